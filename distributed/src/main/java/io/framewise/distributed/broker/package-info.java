/**
 * A development Kafka broker that runs in the calling JVM: {@link io.framewise.distributed.broker.DevBroker}.
 *
 * <p>For trying the distributed mode on one machine and for tests; production points its workers
 * and coordinators at its own Kafka cluster. Not yet exposed by the CLI.
 */
@NullMarked
package io.framewise.distributed.broker;

import org.jspecify.annotations.NullMarked;
