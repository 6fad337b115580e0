/**
 * Framewise's engine behind the distributed mode: segment tasks, the result store directory, the
 * executor a worker runs and the planner and merger a coordinator runs ({@link io.framewise.distributed.core.CoreJobs}).
 */
@NullMarked
package io.framewise.distributed.core;

import org.jspecify.annotations.NullMarked;
