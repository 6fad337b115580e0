package io.framewise.samples.cli;


import io.framewise.distributed.tasklog.TaskLog;
import io.framewise.distributed.tasklog.TaskLogSettings;
import io.framewise.distributed.worker.InputPolicy;
import io.framewise.distributed.worker.SegmentTaskExecutor;
import io.framewise.distributed.worker.Worker;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code framewise worker --bootstrap HOST:PORT --store DIR [--inputs LIST]}: runs segment tasks until stopped. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    versionProvider = FramewiseCli.Version.class,
    sortOptions = false,
    header = "Runs segment tasks of any submitted job until stopped (distributed mode).",
    description = {
        "Takes segment tasks from Kafka (share group framewise.workers, topic framewise.tasks), one at a time, runs the "
            + "model on the segment with every core of this machine, puts the result in --store and reports it. Runs until "
            + "stopped (Ctrl-C, SIGTERM); a task in progress is then given back. It opens only the inputs --inputs allows, "
            + "and refuses (and reports) a task whose model file here differs from the job's.",
        ""},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "1:Kafka cannot be reached (FW-800) or another failure",
        "2:usage error",
        "130:stopped by SIGINT (Ctrl-C)",
        "143:stopped by SIGTERM"})
final class WorkerCommand extends JobCommand {

  @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka's bootstrap servers.")
  String bootstrap;

  @Option(names = "--store", required = true, paramLabel = "DIR",
      description = "The result store: a directory every instance reaches (a shared mount).")
  Path store;

  @Option(names = "--inputs", paramLabel = "LIST",
      description = "What this worker may open besides local files, comma-separated: http, https (remote URIs); "
          + "file:/DIR narrows local files to those under DIR (links resolved; the model too). Default: local files anywhere.")
  @Nullable String inputs;

  @Override
  int execute() throws Exception {
    InputPolicy policy;
    try {
      policy = inputs == null ? InputPolicy.localFiles() : InputPolicy.parse(inputs);
    } catch (IllegalArgumentException e) {
      throw usage("Invalid value for option '--inputs': " + e.getMessage());
    }
    Files.createDirectories(store);
    TaskLog log = new TaskLog(TaskLogSettings.of(bootstrap));
    String name = InetAddress.getLocalHost().getHostName() + "/" + ManagementFactory.getRuntimeMXBean().getPid();
    Worker worker = new Worker(log, SegmentTaskExecutor.onStore(store, policy), name);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      worker.stop();
      try {
        done.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "framewise-worker-stop"));
    err.println("framewise: worker " + name + " on " + bootstrap + ", store " + store.toAbsolutePath() + ", inputs " + policy);
    err.flush();
    try {
      worker.run();
    } finally {
      done.countDown();
    }
    return FramewiseCli.OK;
  }
}
