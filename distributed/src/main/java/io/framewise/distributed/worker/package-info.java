/**
 * The worker API: {@link io.framewise.distributed.worker.Worker} takes segment tasks of any job from
 * Kafka and runs them with a {@link io.framewise.distributed.worker.TaskExecutor}, opening only the
 * inputs its own {@link io.framewise.distributed.worker.InputPolicy} allows.
 */
@NullMarked
package io.framewise.distributed.worker;

import org.jspecify.annotations.NullMarked;
