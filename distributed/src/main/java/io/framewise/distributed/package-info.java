/**
 * Framewise's distributed mode (issue 9): many instances process one job's segments, with Apache
 * Kafka as the task log, and one coordinator writes the one JSON document.
 *
 * <p>Packages by concern: {@code .broker} (a single-node development broker), {@code .tasklog}
 * (topics, the workers' share group, clients, completion events), {@code .coordinator} (plans a job,
 * publishes its tasks and merges stored results in order: {@code DistributedEngine}) and {@code .worker}
 * (runs tasks of any job: {@code Worker}, {@code SegmentTaskExecutor}, {@code InputPolicy}). The CLI's
 * {@code broker}, {@code worker} and {@code submit} commands wrap them. See
 * {@code docs/design/0004-distributed.md} and {@code docs/distributed.md}.
 */
@NullMarked
package io.framewise.distributed;

import org.jspecify.annotations.NullMarked;
