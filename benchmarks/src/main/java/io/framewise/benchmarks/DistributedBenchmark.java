package io.framewise.benchmarks;

import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.core.JsonResultWriterProvider;
import io.framewise.core.store.DirectoryResultStore;
import io.framewise.core.store.ResultKey;
import io.framewise.core.store.ResultStore;
import io.framewise.core.store.SegmentResult;
import io.framewise.core.store.SpillFile;
import io.framewise.distributed.broker.DevBroker;
import io.framewise.distributed.coordinator.Coordinator;
import io.framewise.distributed.coordinator.DistributedEngine;
import io.framewise.distributed.coordinator.PlannedJob;
import io.framewise.distributed.tasklog.TaskLog;
import io.framewise.distributed.tasklog.TaskLogSettings;
import io.framewise.distributed.worker.InputPolicy;
import io.framewise.distributed.worker.SegmentTaskExecutor;
import io.framewise.distributed.worker.TaskExecutor;
import io.framewise.distributed.worker.Worker;
import io.framewise.spi.ResultWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Issue 9 §5, the Kafka part: the overhead per task (Kafka round trip through the share group and the
 * events topic, store write and read, merge) against the time of a segment, and {@code submit} with 1
 * and 2 worker processes against {@code detect} on the same input and options, on this machine, with
 * the development broker in this JVM.
 */
final class DistributedBenchmark {

  private DistributedBenchmark() {}

  static int run(Args args) throws Exception {
    Path video = args.existingFile("video");
    Path model = args.existingFile("model");
    String chunk = args.string("chunk-size", "30s");
    int tasks = args.integer("tasks", 200);
    Path dir = Path.of(args.string("dir", "/tmp/fw-distributed-bench"));
    args.done();
    Duration chunkDuration = (Duration) Args.chunkSize(chunk);
    Files.createDirectories(dir);
    try (DevBroker broker = new DevBroker(Files.createTempDirectory(dir, "kafka-"))) {
      String bootstrap = broker.start();
      kafkaRoundTrip(bootstrap, tasks);

      long detect = timeDetect(video, model, chunkDuration);
      Fmt.out("detect (in this JVM, chunk %s): %s", chunk, Fmt.seconds(detect));
      long[] submit = new long[3];
      Path lastStore = null;
      for (int workers = 1; workers <= 2; workers++) {
        Path store = Files.createTempDirectory(dir, "store-");
        submit[workers] = timeSubmit(bootstrap, "w" + workers, store, video, model, chunkDuration, workers);
        Fmt.out("submit with %d worker process(es): %s = %.2fx detect", workers, Fmt.seconds(submit[workers]),
            (double) submit[workers] / detect);
        lastStore = store;
      }
      storeAndMerge(video, model, chunkDuration, lastStore, detect);
    }
    return 0;
  }

  /** Tasks that do nothing, through one worker: what Kafka adds per task (publish, acquire, event, acknowledge). */
  private static void kafkaRoundTrip(String bootstrap, int n) throws Exception {
    TaskLogSettings s = TaskLogSettings.of(bootstrap);
    s = new TaskLogSettings(bootstrap, "bench.noop.tasks", "bench.noop.events", "bench.noop.workers", s.lockDuration(), s.attempts(), 1,
        s.clientProperties(), s.groupProperties());
    TaskLog log = new TaskLog(s);
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    TaskExecutor noop = (task, job, segment) -> {
      done.add(segment);
      return "noop";
    };
    Worker worker = new Worker(log, noop, "bench");
    Thread t = new Thread(worker::run, "bench-worker");
    t.start();
    try {
      // warm-up job: the share group's first assignment (heartbeat), clients, JIT
      new Coordinator(log).run(new NoopJob("a".repeat(64), 20, done));
      done.clear();
      long t0 = System.nanoTime();
      new Coordinator(log).run(new NoopJob("b".repeat(64), n, done));
      long nanos = System.nanoTime() - t0;
      Fmt.out("kafka: %d no-op tasks through one worker in %s: %.1f ms per task (publish, acquire, event, acknowledge, merge wake-up)",
          n, Fmt.seconds(nanos), nanos / 1e6 / n);
    } finally {
      worker.stop();
      t.join(30_000);
    }
  }

  /** A job whose tasks are no-ops, "stored" when the executor has seen them. */
  private record NoopJob(String id, int segments, Set<Integer> done) implements PlannedJob {
    @Override
    public byte[] task(int segment) {
      return ("noop " + segment).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean stored(int segment) {
      return done.contains(segment);
    }

    @Override
    public boolean merge(int segment) {
      return true;
    }

    @Override
    public void lost(int segment, String why) {}

    @Override
    public void error(String code, String message, int segment) {}

    @Override
    public DetectionSummary finish() {
      return new DetectionSummary(0, 0, 0, 0, true, List.of());
    }

    @Override
    public void close() {}
  }

  private static long timeDetect(Path video, Path model, Duration chunk) {
    long t0 = System.nanoTime();
    try (VideoDetector d = VideoDetector.builder().build()) {
      d.newJob(video).model(ModelSpec.of(model)).chunkSize(chunk).writeJson(OutputStream.nullOutputStream());
    }
    return System.nanoTime() - t0;
  }

  /** Starts worker processes (timed from when they wait for tasks) and times one submit in this JVM. */
  private static long timeSubmit(String bootstrap, String name, Path store, Path video, Path model, Duration chunk, int workers)
      throws Exception {
    TaskLogSettings s = settings(bootstrap, name);
    new TaskLog(s).prepare();
    List<Process> procs = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    try {
      for (int i = 0; i < workers; i++) {
        Path log = store.resolveSibling(store.getFileName() + "-worker" + i + ".log");
        ProcessBuilder b = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
            "-cp", System.getProperty("java.class.path"), Benchmarks.class.getName(), "distributed-worker", "--bootstrap", bootstrap,
            "--name", name, "--store", store.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        procs.add(b.start());
        logs.add(log);
      }
      awaitWorkers(logs);
      DistributedEngine engine = DistributedEngine.onStore(new TaskLog(s), store);
      long t0 = System.nanoTime();
      try (VideoDetector d = VideoDetector.builder().engine(engine).build()) {
        DetectionSummary sum = d.newJob(video).model(ModelSpec.of(model)).chunkSize(chunk).writeJson(OutputStream.nullOutputStream());
        if (!sum.complete()) {
          throw new IllegalStateException("incomplete: " + sum);
        }
      }
      return System.nanoTime() - t0;
    } finally {
      for (Process p : procs) {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** The topics and share group of one benchmark run named {@code name}. */
  static TaskLogSettings settings(String bootstrap, String name) {
    return new TaskLogSettings(bootstrap, "bench." + name + ".tasks", "bench." + name + ".events", "bench." + name + ".workers",
        Duration.ofSeconds(30), 3, 4, java.util.Map.of(), java.util.Map.of());
  }

  /** Waits until every worker process logged that it waits for tasks, then for the share group to assign them all. */
  static void awaitWorkers(List<Path> logs) throws IOException, InterruptedException {
    for (Path log : logs) {
      long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (!Files.exists(log) || !Files.readString(log).contains("waiting for tasks")) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("worker did not start: " + log);
        }
        Thread.sleep(100);
      }
    }
    Thread.sleep(6000); // the share group's assignment reaches every member (5 s heartbeat)
  }

  /** A worker process of the benchmark. */
  static int worker(Args args) {
    String bootstrap = args.required("bootstrap");
    String name = args.required("name");
    Path store = Path.of(args.required("store"));
    args.done();
    System.setProperty("org.slf4j.simpleLogger.log.io.framewise.distributed", "info");
    TaskLogSettings s = settings(bootstrap, name);
    Worker w = new Worker(new TaskLog(s), SegmentTaskExecutor.onStore(store, InputPolicy.localFiles()), name + "-" + ProcessHandle.current().pid());
    Runtime.getRuntime().addShutdownHook(new Thread(w::stop));
    w.run();
    return 0;
  }

  /** Per segment of the last run's store: write (a copy through the store's upload), read, and a merge into the JSON writer. */
  private static void storeAndMerge(Path video, Path model, Duration chunk, Path store, long detectNanos) throws IOException {
    ModelSpec spec = ModelSpec.of(model);
    io.framewise.spi.ModelAdapterProvider adapter = null;
    for (io.framewise.spi.ModelAdapterProvider p : java.util.ServiceLoader.load(io.framewise.spi.ModelAdapterProvider.class)) {
      if (p.isAvailable() && p.supports(spec) && (adapter == null || p.priority() > adapter.priority())) {
        adapter = p;
      }
    }
    io.framewise.spi.JobConfig config = new io.framewise.spi.JobConfig(video.toAbsolutePath(), spec, io.framewise.spi.DetectionParams.DEFAULTS,
        new io.framewise.core.FfmpegDecoderProvider(), java.util.Objects.requireNonNull(adapter), null,
        new io.framewise.spi.PipelineOptions(0, chunk, null, 0, 0, 1, false, null));
    io.framewise.core.task.JobPlan plan = io.framewise.core.task.JobPlanner.plan(config);
    ResultStore from = DirectoryResultStore.shared(store);
    ResultStore to = DirectoryResultStore.shared(Files.createTempDirectory(store.getParent(), "copy-"));
    int n = plan.segmentCount();
    long read = 0;
    long write = 0;
    long merge = 0;
    long frames = 0;
    for (int seg = 0; seg < n; seg++) {
      ResultKey key = plan.task(seg).key();
      long t0 = System.nanoTime();
      SegmentResult r = from.replay(key, f -> { });
      long oneRead = System.nanoTime() - t0;
      read += oneRead;
      t0 = System.nanoTime();
      try (ResultStore.Upload up = to.create(key)) {
        from.replay(key, up::frame);
        up.commit(new SpillFile.Trailer(r.decoded(), r.processed(), r.failed(), r.detections(), r.errors()));
      }
      write += System.nanoTime() - t0 - oneRead; // less the replay that feeds it
      ResultWriter w = new JsonResultWriterProvider().open(OutputStream.nullOutputStream());
      w.begin(plan.index().info(), plan.modelInfo());
      t0 = System.nanoTime();
      from.replay(key, w::frame);
      merge += System.nanoTime() - t0;
      frames += r.decoded();
    }
    double segmentMs = detectNanos / 1e6 / n;
    Fmt.out("store: %d segments of %d frames on average: write %.1f ms, read %.1f ms, merge into the JSON %.1f ms per segment; "
        + "a segment's detect time %.0f ms (detect / segments): store and merge overhead %.2f %%", n, frames / n, write / 1e6 / n,
        read / 1e6 / n, merge / 1e6 / n, segmentMs, 100.0 * (write + read + merge) / 1e6 / n / segmentMs);
  }
}
