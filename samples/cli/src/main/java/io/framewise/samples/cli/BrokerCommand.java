package io.framewise.samples.cli;

import io.framewise.distributed.broker.DevBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code framewise broker --data DIR [--port N]}: a single-node development Kafka broker on 127.0.0.1. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    versionProvider = FramewiseCli.Version.class,
    sortOptions = false,
    header = "Runs a single-node development Kafka broker on 127.0.0.1 for worker and submit.",
    description = {
        "Starts a real Apache Kafka broker (KRaft mode, one node) in this process, bound to 127.0.0.1 only, keeping "
            + "its data in DIR (created and formatted on first use; a later start reuses it). It runs until stopped "
            + "(Ctrl-C, SIGTERM). For trying the distributed mode on one machine: production points --bootstrap at its "
            + "own cluster.",
        ""},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "1:the broker cannot start (the port is taken, DIR is used by another broker, ...)",
        "2:usage error",
        "130:stopped by SIGINT (Ctrl-C)",
        "143:stopped by SIGTERM"})
final class BrokerCommand extends JobCommand {

  @Option(names = "--data", required = true, paramLabel = "DIR", description = "The broker's data directory.")
  Path data;

  @Option(names = "--port", paramLabel = "N", defaultValue = "9092",
      description = "The client port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Override
  int execute() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw usage("Invalid value for option '--port': must be in 0..65535, was " + port);
    }
    DevBroker broker = new DevBroker(data, port, Duration.ofSeconds(120));
    String bootstrap = broker.start();
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      broker.close();
      closed.countDown();
    }, "framewise-broker-stop"));
    err.println("framewise: Kafka broker on " + bootstrap + " (data " + data.toAbsolutePath() + "); stop it with Ctrl-C");
    err.flush();
    closed.await(); // until a signal ends the process (the shutdown hook closes the broker)
    return FramewiseCli.OK;
  }
}
