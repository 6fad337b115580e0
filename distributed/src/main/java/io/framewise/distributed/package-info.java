/**
 * Framewise's distributed mode (issue 9): many instances process one job's segments, with Apache
 * Kafka as the task log, and one coordinator writes the one JSON document.
 *
 * <p>This module is at its first step: {@link io.framewise.distributed.broker.DevBroker}, a
 * single-node development broker. The coordinator and worker APIs and the CLI commands
 * ({@code broker}, {@code worker}, {@code submit}) come later; nothing here is wired into the CLI yet.
 * See {@code docs/design/0004-distributed.md} (draft).
 */
@NullMarked
package io.framewise.distributed;

import org.jspecify.annotations.NullMarked;
