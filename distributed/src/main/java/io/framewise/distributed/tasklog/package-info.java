/**
 * The Kafka side of the distributed mode: topics, the workers' share group, clients, and the
 * completion events workers publish. See {@code docs/design/0004-distributed.md}.
 */
@NullMarked
package io.framewise.distributed.tasklog;

import org.jspecify.annotations.NullMarked;
