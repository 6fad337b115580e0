/**
 * The coordinator API: {@link io.framewise.distributed.coordinator.Coordinator} publishes a job's
 * tasks, merges the stored results in order as they arrive and writes the one JSON document.
 */
@NullMarked
package io.framewise.distributed.coordinator;

import org.jspecify.annotations.NullMarked;
