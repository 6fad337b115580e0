package io.framewise.benchmarks;

import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.distributed.broker.DevBroker;
import io.framewise.distributed.coordinator.DistributedEngine;
import io.framewise.distributed.tasklog.TaskLog;
import io.framewise.distributed.tasklog.TaskLogSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Issue 9 §5, the long-input part of {@code submit}: one {@code submit} and N worker processes on one
 * machine, each a child JVM with the same fixed limits as {@code memory}'s child, the development broker
 * in this JVM (it is Kafka's, not Framewise's). Samples every Framewise process's VmRSS and reports
 * each one's peak (VmHWM) and the job's wall time per video frame, so a long and a short input can be
 * compared row by row.
 */
final class SubmitMemoryBenchmark {

  private SubmitMemoryBenchmark() {}

  static int run(Args args) throws Exception {
    Path video = args.existingFile("video");
    Path model = args.existingFile("model");
    String chunk = args.string("chunk-size", "60s");
    int workers = args.integer("workers", 2);
    String xmx = args.string("jvm-xmx", "1g");
    Path dir = Path.of(args.string("dir", "/tmp/fw-submit-memory"));
    int timeoutMin = args.integer("timeout-min", 180);
    args.done();
    Files.createDirectories(dir);
    Path store = Files.createTempDirectory(dir, "store-");
    String name = "sm" + ProcessHandle.current().pid();
    List<Process> procs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    try (DevBroker broker = new DevBroker(Files.createTempDirectory(dir, "kafka-"))) {
      String bootstrap = broker.start();
      new TaskLog(settings(bootstrap, name)).prepare();
      List<Path> logs = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        Path log = dir.resolve(name + "-worker" + i + ".log");
        procs.add(child(xmx, log, "distributed-worker", "--bootstrap", bootstrap, "--name", name, "--store", store.toString()));
        names.add("worker " + (i + 1));
        logs.add(log);
      }
      DistributedBenchmark.awaitWorkers(logs);
      Path submitLog = dir.resolve(name + "-submit.log");
      long t0 = System.nanoTime();
      Process submit = child(xmx, submitLog, "submit-memory-child", "--bootstrap", bootstrap, "--name", name, "--store", store.toString(),
          "--video", video.toString(), "--model", model.toString(), "--chunk-size", chunk);
      procs.add(0, submit);
      names.add(0, "submit");
      Fmt.out("# %s, chunk %s, %d worker process(es), each JVM -Xmx%s; logs in %s", video.getFileName(), chunk, workers, xmx, dir);
      Fmt.out("%10s %s", "elapsed_s", String.join(" ", names.stream().map(n -> String.format("%14s", n.replace(' ', '_') + "_MiB")).toList()));
      long[] peak = new long[procs.size()];
      long lastRow = 0;
      long deadline = t0 + TimeUnit.MINUTES.toNanos(timeoutMin);
      while (submit.isAlive() && System.nanoTime() < deadline) {
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < procs.size(); i++) {
          long[] rss = status(procs.get(i));
          peak[i] = Math.max(peak[i], rss[1]);
          row.append(String.format(" %14.0f", rss[0] / 1024.0));
        }
        long now = System.nanoTime();
        if (now - lastRow > TimeUnit.SECONDS.toNanos(60)) {
          Fmt.out("%10.0f%s", (now - t0) / 1e9, row);
          lastRow = now;
        }
        Thread.sleep(500);
      }
      if (submit.isAlive()) {
        submit.destroyForcibly();
        throw new IllegalStateException("submit did not finish in " + timeoutMin + " min; see " + submitLog);
      }
      long wall = System.nanoTime() - t0;
      for (int i = 1; i < procs.size(); i++) {
        peak[i] = Math.max(peak[i], status(procs.get(i))[1]); // the workers' own high-water marks, before they stop
      }
      String result = Files.readAllLines(submitLog, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("RESULT ")).findFirst()
          .orElseThrow(() -> new IllegalStateException("submit wrote no RESULT (exit " + submit.exitValue() + "); see " + submitLog));
      long frames = Long.parseLong(result.replaceAll(".*\\bframes=(\\d+).*", "$1"));
      peak[0] = Long.parseLong(result.replaceAll(".*\\bpeak_rss_kib=(\\d+).*", "$1"));
      StringBuilder peaks = new StringBuilder();
      for (int i = 0; i < procs.size(); i++) {
        peaks.append(String.format(" %s=%.0f", names.get(i).replace(' ', '_'), peak[i] / 1024.0));
      }
      Fmt.out("%s", result);
      Fmt.out("RESULT-ALL video=%s frames=%d workers=%d wall_s=%.1f us_per_frame=%.1f peak_rss_mib:%s exit=%d", video.getFileName(), frames,
          workers, wall / 1e9, wall / 1e3 / Math.max(1, frames), peaks, submit.exitValue());
      return submit.exitValue();
    } finally {
      for (Process p : procs) {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
        p.destroyForcibly();
      }
    }
  }

  private static TaskLogSettings settings(String bootstrap, String name) {
    return DistributedBenchmark.settings(bootstrap, name); // the topics distributed-worker reads
  }

  private static Process child(String xmx, Path log, String... command) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(MemoryBenchmark.jvmFlags(xmx, "512m"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Benchmarks.class.getName());
    cmd.addAll(List.of(command));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** {VmRSS, VmHWM} in KiB of a live process, zeros once it ended. */
  private static long[] status(Process p) {
    long[] out = new long[2];
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          out[0] = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        } else if (line.startsWith("VmHWM:")) {
          out[1] = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // ended
    }
    return out;
  }

  /** The submit process: the job through {@link DistributedEngine}, the JSON to nowhere, then its own peak RSS. */
  static int child(Args args) throws Exception {
    String bootstrap = args.required("bootstrap");
    String name = args.required("name");
    Path store = Path.of(args.required("store"));
    Path video = args.existingFile("video");
    Path model = args.existingFile("model");
    Duration chunk = (Duration) Args.chunkSize(args.string("chunk-size", "60s"));
    args.done();
    DistributedEngine engine = DistributedEngine.onStore(new TaskLog(settings(bootstrap, name)), store);
    long t0 = System.nanoTime();
    DetectionSummary sum;
    try (VideoDetector d = VideoDetector.builder().engine(engine).build()) {
      sum = d.newJob(video).model(ModelSpec.of(model)).chunkSize(chunk).writeJson(OutputStream.nullOutputStream());
    }
    long hwm = 0;
    for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
      if (line.startsWith("VmHWM:")) {
        hwm = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
      }
    }
    System.out.printf("RESULT frames=%d complete=%s detections=%d wall_s=%.1f peak_rss_kib=%d%n", sum.framesDecoded(), sum.complete(),
        sum.detections(), (System.nanoTime() - t0) / 1e9, hwm);
    return sum.complete() ? 0 : 1;
  }
}
