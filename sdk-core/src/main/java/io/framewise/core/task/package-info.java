/**
 * The unit of work: a serialisable {@link io.framewise.core.task.SegmentTask}, the
 * {@link io.framewise.core.task.JobPlanner} that makes a job's tasks and the stateless
 * {@link io.framewise.core.task.SegmentRunner} that executes one on any instance, committing its result
 * to a result store. Exported for runners outside this module; internal API.
 */
@NullMarked
package io.framewise.core.task;

import org.jspecify.annotations.NullMarked;
