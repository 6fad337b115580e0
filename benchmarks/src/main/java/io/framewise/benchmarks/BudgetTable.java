package io.framewise.benchmarks;

import io.framewise.testkit.CraftedModel;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The memory budget against measurements: for a table of configurations (frame size, model size,
 * batch, parallelism, chunking) it runs each job in its own child JVM ({@code memory-child}, the
 * {@code memory} command's flags) and prints the budget's estimate (logged by the SDK at DEBUG) beside
 * the child's peak RSS (VmHWM), and their ratio. Inputs are generated into {@code --dir} once:
 * 192x128, 1920x1080 and 3840x2160 videos, a tiny synthetic model (dynamic batch) and a crafted model
 * with about {@code --big-model-mb} of weights; yolox_nano comes from {@code --testdata}.
 */
final class BudgetTable {

  private static final Pattern ESTIMATE = Pattern.compile("memory estimate=(\\d+) bytes");
  private static final Pattern PEAK = Pattern.compile("peak_rss_mib=(\\d+)");
  private static final Pattern FAILED = Pattern.compile("RESULT failed=(.*?) peak_rss_mib");

  private record Config(String id, String video, String model, int batch, int parallelism, String chunk, String maxHeap) {}

  private static final List<Config> CONFIGS = List.of(
      new Config("s-tiny-1", "small", "tiny", 1, 1, "none", "8GiB"),
      new Config("s-tiny-4x2", "small", "tiny", 4, 2, "none", "8GiB"),
      new Config("s-yolox-1", "small", "yolox", 1, 1, "none", "8GiB"),
      new Config("s-big-1", "small", "big", 1, 1, "none", "8GiB"),
      new Config("hd-tiny-1", "hd", "tiny", 1, 1, "none", "8GiB"),
      new Config("hd-tiny-4", "hd", "tiny", 4, 1, "none", "8GiB"),
      new Config("hd-tiny-4x2", "hd", "tiny", 4, 2, "none", "8GiB"),
      new Config("hd-yolox-1", "hd", "yolox", 1, 1, "none", "8GiB"),
      new Config("hd-yolox-x2", "hd", "yolox", 1, 2, "none", "8GiB"),
      new Config("hd-yolox-chunk-x2", "hd", "yolox", 1, 2, "2s", "8GiB"),
      new Config("hd-big-x2", "hd", "big", 1, 2, "none", "8GiB"),
      new Config("uhd-yolox-1", "uhd", "yolox", 1, 1, "none", "8GiB"),
      new Config("uhd-yolox-x2", "uhd", "yolox", 1, 2, "none", "8GiB"),
      new Config("uhd-tiny-4x2", "uhd", "tiny", 4, 2, "none", "8GiB"),
      new Config("uhd-big-1", "uhd", "big", 1, 1, "none", "8GiB"),
      // inference slower than decoding: every batch in flight holds its frame copies
      new Config("hd-big-4x2", "hd", "big", 4, 2, "none", "8GiB"),
      new Config("uhd-big-4x2", "uhd", "big", 4, 2, "none", "8GiB"),
      new Config("uhd-big-4x2-chunk", "uhd", "big", 4, 2, "1s", "8GiB"),
      new Config("s-big-refused", "small", "big", 1, 1, "none", "256MiB"));

  private BudgetTable() {}

  static int run(Args args) throws Exception {
    Path dir = Path.of(args.required("dir"));
    Path testdata = Path.of(args.string("testdata", System.getenv().getOrDefault("FRAMEWISE_TESTDATA", "/work/shared/testdata")));
    String only = args.string("only", "");
    int bigMb = args.integer("big-model-mb", 400);
    String xmx = args.string("jvm-xmx", "1g");
    int timeoutMin = args.integer("timeout-min", 10);
    args.done();
    Files.createDirectories(dir);
    Map<String, Path> videos = new LinkedHashMap<>();
    // Short clips, long enough to fill every queue (6 batches of 4 in flight with 2 inference threads):
    // the peak is reached within the first frames (decoder pictures, the arena's first run, frame copies).
    videos.put("small", video(dir.resolve("small-192x128-60f.mp4"), 192, 128, 64, 60, "mpeg4"));
    videos.put("hd", video(dir.resolve("hd-1920x1080-h264-60f.mp4"), 1920, 1080, 120, 60, "libopenh264"));
    videos.put("uhd", video(dir.resolve("uhd-3840x2160-h264-40f.mp4"), 3840, 2160, 240, 40, "libopenh264"));
    Map<String, Path> models = new LinkedHashMap<>();
    Path tiny = dir.resolve("tiny-yolov8-192x128-dynbatch.onnx");
    if (!Files.isRegularFile(tiny)) {
      SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(192, 128).cell(64).dynamicBatch(true).build().write(tiny);
    }
    models.put("tiny", tiny);
    models.put("yolox", testdata.resolve("models/yolox_nano.onnx"));
    Path big = dir.resolve("big-" + bigMb + "mb-640x640-dynbatch.onnx");
    if (!Files.isRegularFile(big)) {
      Fmt.out("# generating %s", big);
      CraftedModel.builder(640, 640).dynamicBatch().output("output0", new float[84 * 8400], 1, 84, 8400)
          .metadata("names", CraftedModel.names(80)).ballast((long) bigMb << 20).build().write(big);
    }
    models.put("big", big);
    for (Map.Entry<String, Path> m : models.entrySet()) {
      Fmt.out("# model %-6s %s (%s)", m.getKey(), m.getValue(), Fmt.size(m.getValue()));
    }
    for (Map.Entry<String, Path> v : videos.entrySet()) {
      Fmt.out("# video %-6s %s (%s)", v.getKey(), v.getValue(), Fmt.size(v.getValue()));
    }
    Set<String> wanted = only.isBlank() ? Set.of() : Arrays.stream(only.split(",")).map(String::trim).collect(Collectors.toSet());
    List<String> rows = new ArrayList<>();
    rows.add("| config | video | model (file) | batch | parallelism | chunk | estimate MiB | peak RSS MiB | estimate / RSS |");
    rows.add("|---|---|---|---|---|---|---|---|---|");
    for (Config c : CONFIGS) {
      if (!wanted.isEmpty() && !wanted.contains(c.id())) {
        continue;
      }
      String[] r = runChild(c, videos.get(c.video()), models.get(c.model()), xmx, timeoutMin);
      String row = String.format(Locale.ROOT, "| %s | %s | %s (%s) | %d | %d | %s | %s | %s | %s |", c.id(),
          c.video().equals("small") ? "192x128 mpeg4" : c.video().equals("hd") ? "1920x1080 h264" : "3840x2160 h264",
          c.model(), Fmt.size(models.get(c.model())), c.batch(), c.parallelism(), c.chunk(), r[0], r[1], r[2]);
      rows.add(row);
      Fmt.out("ROW %s", row);
    }
    Fmt.out("");
    rows.forEach(System.out::println);
    return 0;
  }

  private static Path video(Path file, int w, int h, int object, int frames, String codec) {
    if (!Files.isRegularFile(file)) {
      Fmt.out("# generating %s", file);
      SyntheticVideo.builder().size(w, h).objectSize(object).frames(frames).frameRate(25).gopSize(25).codec(codec).build().write(file);
    }
    return file;
  }

  /** Runs one job in a child JVM; returns {estimate MiB, peak RSS MiB, ratio or the refusal}. */
  private static String[] runChild(Config c, Path video, Path model, String xmx, int timeoutMin) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(MemoryBenchmark.jvmFlags(xmx, "512m"));
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    cmd.add("-Dorg.slf4j.simpleLogger.log.io.framewise.core.plan.Budget=debug");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Benchmarks.class.getName());
    cmd.addAll(List.of("memory-child", "--video", video.toAbsolutePath().toString(), "--model", model.toAbsolutePath().toString(),
        "--chunk-size", c.chunk(), "--max-heap", c.maxHeap(), "--parallelism", Integer.toString(c.parallelism()),
        "--batch", Integer.toString(c.batch())));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    Fmt.out("# %s: %s", c.id(), String.join(" ", cmd.subList(cmd.indexOf("memory-child"), cmd.size())));
    Process child = pb.start();
    long estimate = -1;
    long peak = -1;
    String failure = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        System.out.println("  " + line);
        Matcher e = ESTIMATE.matcher(line);
        if (e.find()) {
          estimate = Math.max(estimate, Long.parseLong(e.group(1)));
        }
        Matcher p = PEAK.matcher(line);
        if (line.startsWith("RESULT") && p.find()) {
          peak = Long.parseLong(p.group(1));
        }
        Matcher f = FAILED.matcher(line);
        if (f.find()) {
          failure = f.group(1);
        }
      }
    }
    if (!child.waitFor(timeoutMin, TimeUnit.MINUTES)) {
      child.destroyForcibly();
      child.waitFor();
      return new String[] {"?", "?", "timed out"};
    }
    String est = estimate < 0 ? "-" : Long.toString(estimate >> 20);
    if (failure != null) {
      String code = failure.contains("FW-300") ? "refused (FW-300)" : "failed: " + failure;
      return new String[] {est, Long.toString(peak), code};
    }
    return new String[] {est, Long.toString(peak), estimate < 0 || peak <= 0 ? "-"
        : String.format(Locale.ROOT, "%.2f", (estimate / 1048576.0) / peak)};
  }
}
