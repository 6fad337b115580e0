package io.framewise.benchmarks;

import io.framewise.DataSize;
import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.Progress;
import io.framewise.VideoDetector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Peak memory of a whole SDK job, measured in a child JVM so that the numbers belong to the job
 * alone and the JVM's limits are the ones documented here.
 *
 * <p>The child runs {@code VideoDetector.open(video).model(model)...writeJson(Path)} into a temporary
 * directory. A sampler thread reads {@code /proc/self/status} (VmRSS, VmHWM) and the heap every 200 ms;
 * the progress listener prints a row every {@code --every} frames (default: 50,000, or a tenth of the
 * video when that is smaller); the last line ({@code RESULT ...}) has the peaks, frames, wall time and
 * speed. The parent relays the child's output, watches the child's VmRSS from outside as a cross-check,
 * and returns the child's exit code.
 */
final class MemoryBenchmark {

  /** Flags that bound every memory area of the child JVM; see README "Memory". */
  static List<String> jvmFlags(String xmx, String maxDirect) {
    return List.of(
        "-Xms64m",
        "-Xmx" + xmx,                          // Java heap
        "-XX:MaxDirectMemorySize=" + maxDirect, // NIO direct buffers (the SDK's input tensor buffers)
        "-XX:MaxMetaspaceSize=256m",            // class metadata
        "-XX:ReservedCodeCacheSize=128m",       // JIT code
        "-Xss1m",                               // per-thread stacks
        "-XX:+UseG1GC",
        "-XX:+ExitOnOutOfMemoryError");          // fail loudly (exit 3) instead of limping on
  }

  private MemoryBenchmark() {}

  // ------------------------------------------------------------------------------------------ parent

  /** The job's options, read by the parent and passed on to the child as the same flags. */
  private record JobArgs(Path video, Path model, String chunk, @Nullable String parallelism, @Nullable String batch, String maxHeap,
      boolean keyframesOnly) {

    static JobArgs read(Args args) {
      return new JobArgs(args.existingFile("video"), args.existingFile("model"), args.string("chunk-size", "64MiB"),
          args.string("parallelism", null), args.string("batch", null), args.string("max-heap", "1GiB"), args.flag("keyframes-only"));
    }

    List<String> flags() {
      List<String> f = new ArrayList<>(List.of("--video", video.toAbsolutePath().toString(), "--model", model.toAbsolutePath().toString(),
          "--chunk-size", chunk, "--max-heap", maxHeap));
      if (parallelism != null) {
        f.addAll(List.of("--parallelism", parallelism));
      }
      if (batch != null) {
        f.addAll(List.of("--batch", batch));
      }
      if (keyframesOnly) {
        f.add("--keyframes-only");
      }
      return f;
    }
  }

  static int parent(Args args) throws Exception {
    JobArgs job = JobArgs.read(args);
    Path video = job.video();
    String xmx = args.string("jvm-xmx", "1g");
    String maxDirect = args.string("max-direct", "512m");
    String every = args.string("every", null);
    String javaOpts = args.string("java-opts", "");
    int timeoutMin = args.integer("timeout-min", 60);
    boolean keep = args.flag("keep-output");
    double quiet = Double.parseDouble(args.string("wait-quiet", "0"));
    args.done();
    CpuShare.waitForQuiet(quiet);

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags(xmx, maxDirect));
    for (String o : javaOpts.trim().split("\\s+")) {
      if (!o.isEmpty()) {
        cmd.add(o);
      }
    }
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Benchmarks.class.getName());
    cmd.add("memory-child");
    cmd.addAll(job.flags());
    if (every != null) {
      cmd.add("--every");
      cmd.add(every);
    }
    if (keep) {
      cmd.add("--keep-output");
    }

    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // glibc gives every thread that mallocs its own 64 MiB arena; two arenas bound native fragmentation.
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    Fmt.out("# memory: %s (%s)", video, Fmt.size(video));
    Fmt.out("# child: MALLOC_ARENA_MAX=%s %s", pb.environment().get("MALLOC_ARENA_MAX"),
        String.join(" ", cmd.subList(0, cmd.indexOf("-cp"))) + " -cp <this jar> " + String.join(" ", cmd.subList(cmd.indexOf("-cp") + 3, cmd.size())));
    long t0 = System.nanoTime();
    Process child = pb.start();
    AtomicLong outsideMaxRssKib = new AtomicLong(-1);
    Thread watcher = new Thread(() -> watch(child, outsideMaxRssKib), "rss-watcher");
    watcher.setDaemon(true);
    watcher.start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        System.out.println(line);
      }
    }
    boolean ended = child.waitFor(timeoutMin, TimeUnit.MINUTES);
    if (!ended) {
      child.destroyForcibly();
      child.waitFor();
      Fmt.out("# child killed after %d min", timeoutMin);
    }
    int rc = child.exitValue();
    Fmt.out("# child exit code: %d%s; wall time (parent) %s; child max VmRSS seen from the parent: %.0f MiB",
        rc, rc == 0 ? "" : rc == 3 ? " (OutOfMemoryError)" : rc >= 128 ? " (signal " + (rc - 128) + ")" : " (failed)",
        Fmt.seconds(System.nanoTime() - t0), outsideMaxRssKib.get() / 1024.0);
    return rc;
  }

  /** Samples the child's VmRSS from /proc/PID/status while it runs. */
  private static void watch(Process child, AtomicLong maxKib) {
    Path status = Path.of("/proc", Long.toString(child.pid()), "status");
    while (child.isAlive()) {
      try {
        for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
          if (line.startsWith("VmRSS:")) {
            long kib = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            maxKib.accumulateAndGet(kib, Math::max);
          }
        }
        Thread.sleep(200);
      } catch (IOException | RuntimeException e) {
        return; // the child ended
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  // ------------------------------------------------------------------------------------------- child

  /** Peak values seen by the sampler. */
  private static final class Peaks {
    volatile long heapUsed;
    volatile long rssKib;
    volatile long directBytes;
    volatile long samples;
  }

  static int child(Args args) throws Exception {
    JobArgs a = JobArgs.read(args);
    Path video = a.video();
    Path model = a.model();
    String chunk = a.chunk();
    String parallelism = a.parallelism();
    String batch = a.batch();
    String maxHeap = a.maxHeap();
    long everyArg = args.integer("every", 0);
    boolean keep = args.flag("keep-output");
    args.done();

    Fmt.out("# child JVM %s, %d cores, max heap %s; flags %s", System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), Fmt.size(Runtime.getRuntime().maxMemory()),
        ManagementFactory.getRuntimeMXBean().getInputArguments());
    Peaks peaks = new Peaks();
    Thread sampler = new Thread(() -> sample(peaks), "memory-sampler");
    sampler.setDaemon(true);
    sampler.start();

    Path dir = Files.createTempDirectory("framewise-memory-");
    Path json = dir.resolve("out.json");
    DetectionJob job = VideoDetector.open(video).model(model);
    StringBuilder options = new StringBuilder();
    if (!Args.isNone(chunk)) {
      Object c = Args.chunkSize(chunk);
      if (c instanceof Duration d) {
        job.chunkSize(d);
      } else {
        job.chunkSize((DataSize) c);
      }
      options.append(" chunkSize=").append(c);
    }
    if (!Args.isNone(maxHeap)) {
      job.maxHeap(DataSize.parse(maxHeap));
      options.append(" maxHeap=").append(maxHeap);
    }
    if (parallelism != null) {
      job.parallelism(Integer.parseInt(parallelism));
      options.append(" parallelism=").append(parallelism);
    }
    if (batch != null) {
      job.batchSize(Integer.parseInt(batch));
      options.append(" batchSize=").append(batch);
    }
    if (a.keyframesOnly()) {
      job.keyframesOnly();
      options.append(" keyframesOnly");
    }
    Fmt.out("# job: %s (%s) model %s;%s", video.getFileName(), Fmt.size(video), model.getFileName(),
        options.length() == 0 ? " defaults" : options);
    Fmt.out("# JavaCPP limits: maxBytes %s, maxPhysicalBytes %s (allocations through JavaCPP fail beyond them)",
        Fmt.size(org.bytedeco.javacpp.Pointer.maxBytes()), Fmt.size(org.bytedeco.javacpp.Pointer.maxPhysicalBytes()));
    Fmt.out("%10s %10s %10s %8s %8s %9s %9s %10s %10s %11s %9s %9s", "frames", "VmRSS_MiB", "VmHWM_MiB", "anon_MiB", "file_MiB",
        "heap_MiB", "heapc_MiB", "oldgen_MiB", "direct_MiB", "javacpp_MiB", "elapsed_s", "fps");

    CpuShare cpu = CpuShare.start();
    long t0 = System.nanoTime();
    long[] next = {-1};
    long[] every = {everyArg};
    row(0, t0);
    job.progress((Progress p) -> {
      if (next[0] < 0) {
        if (every[0] <= 0) {
          long total = p.framesTotal();
          every[0] = total <= 0 ? 50_000 : Math.max(1, Math.min(50_000, total / 10));
        }
        next[0] = every[0];
      }
      if (p.framesDone() >= next[0]) {
        row(p.framesDone(), t0);
        while (next[0] <= p.framesDone()) {
          next[0] += every[0];
        }
      }
    });
    DetectionSummary summary;
    try {
      summary = job.writeJson(json);
    } catch (RuntimeException | OutOfMemoryError e) {
      long[] m = Mem.rssAndHwmKib();
      Fmt.out("RESULT failed=%s peak_rss_mib=%.0f peak_heap_mib=%.0f elapsed_s=%.1f", e, m[1] / 1024.0,
          Mem.mib(peaks.heapUsed), (System.nanoTime() - t0) / 1e9);
      throw e;
    }
    long wall = System.nanoTime() - t0;
    if (lastRow != summary.framesProcessed()) {
      row(summary.framesProcessed(), t0);
    }
    long[] m = Mem.rssAndHwmKib();
    long outBytes = Files.size(json);
    double secs = wall / 1e9;
    Fmt.out("RESULT frames=%d decoded=%d failed=%d complete=%s detections=%d wall_s=%.1f fps=%.1f us_per_frame_decoded=%.2f "
            + "peak_rss_mib=%.0f peak_heap_mib=%.0f peak_direct_mib=%.0f samples=%d json=%s cpu=\"%s\"",
        summary.framesProcessed(), summary.framesDecoded(), summary.framesFailed(), summary.complete(),
        summary.detections(), secs, summary.framesProcessed() / secs, wall / 1e3 / Math.max(1, summary.framesDecoded()), m[1] / 1024.0, Mem.mib(peaks.heapUsed),
        Mem.mib(peaks.directBytes), peaks.samples, Fmt.size(outBytes).replace(' ', '_'), cpu.summary());
    if (!summary.errors().isEmpty()) {
      Fmt.out("# first error: %s", summary.errors().get(0));
    }
    if (keep) {
      Fmt.out("# output kept: %s", json);
    } else {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    return summary.complete() ? 0 : 4;
  }

  private static volatile long lastRow = -1;

  private static void row(long frames, long t0) {
    lastRow = frames;
    long[] m = Mem.rssAndHwmKib();
    double secs = (System.nanoTime() - t0) / 1e9;
    Fmt.out("%10d %10.0f %10.0f %8.0f %8.0f %9.0f %9.0f %10.0f %10.1f %11.1f %9.1f %9.1f", frames, m[0] / 1024.0, m[1] / 1024.0,
        m[2] / 1024.0, m[3] / 1024.0, Mem.mib(Mem.heapUsedBytes()), Mem.mib(Mem.heapCommittedBytes()), Mem.mib(oldGenUsed()), Mem.mib(Math.max(0, Mem.directBytes())),
        Mem.mib(org.bytedeco.javacpp.Pointer.totalBytes()), secs, secs > 0 ? frames / secs : 0);
  }

  /** Bytes in the heap's old (tenured) pools: what survived young collections. */
  private static long oldGenUsed() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && (pool.getName().contains("Old") || pool.getName().contains("Tenured"))) {
        used += pool.getUsage().getUsed();
      }
    }
    return used;
  }

  private static void sample(Peaks peaks) {
    while (true) {
      long heap = Mem.heapUsedBytes();
      if (heap > peaks.heapUsed) {
        peaks.heapUsed = heap;
      }
      long rss = Mem.rssAndHwmKib()[0];
      if (rss > peaks.rssKib) {
        peaks.rssKib = rss;
      }
      long direct = Mem.directBytes();
      if (direct > peaks.directBytes) {
        peaks.directBytes = direct;
      }
      peaks.samples++;
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
