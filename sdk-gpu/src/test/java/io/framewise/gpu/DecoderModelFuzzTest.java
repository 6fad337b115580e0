package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.DetectionJob;
import io.framewise.VideoDetector;
import io.framewise.VideoDetectorException;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 §10: a bounded, seeded fuzz test over the decoder and the model loading paths, with real
 * FFmpeg and real ONNX Runtime.
 *
 * <p><b>Why a mutator of our own and not Jazzer.</b> The code that parses hostile bytes here is native:
 * FFmpeg's demuxers and decoders and ONNX Runtime's protobuf and graph loading. Jazzer's coverage
 * guidance instruments JVM bytecode only, so it would steer by the few Java branches around the native
 * calls and be close to blind where the bugs live; it would also add a Java agent and a JUnit extension
 * to the build for little gain. A seeded mutator over generated, structurally valid seeds (H.264 and
 * MPEG-4 Part 2 in MP4, MKV, MPEG-TS and AVI; ONNX models of every synthetic detector family) reaches
 * the native parsers from valid starting points, runs in plain JUnit, and every failure is reproduced
 * from its case number alone. See {@code docs/design/0006-fuzzing.md}.
 *
 * <p><b>What fails the test.</b> For each mutated video: the job unchunked and chunked (0.5 s segments,
 * 2 workers) must give byte-identical JSON or fail alike (same exception type and {@code FW-xxx} code);
 * for each mutated model: the job succeeds or fails typed. Any exception that is not a
 * {@link VideoDetectorException} (or an {@link Error}) fails the test; so does an input that runs longer
 * than the per-input limit (a hang: the loop stops there). A native crash kills the JVM, which fails the
 * build loudly; {@code target/fuzz/current.txt} and the input beside it then name the culprit.
 *
 * <p><b>Bounds.</b> {@code -Dframewise.fuzz.seconds=N} (default 120; 0 skips) bounds the loop;
 * {@code -Dframewise.fuzz.replay=DIR} checks every saved video input in DIR instead of fuzzing;
 * {@code -Dframewise.fuzz.seed} (default fixed) picks the sequence; {@code -Dframewise.fuzz.case=K}
 * reruns case K alone. The number of executions is printed (a slower machine runs a prefix of the same
 * sequence). Failing inputs are kept under {@code target/fuzz/failures/}.
 */
class DecoderModelFuzzTest {

  private static final long DEFAULT_SEED = 0x5EED_F00DL;
  private static final Duration PER_INPUT = Duration.ofSeconds(Long.getLong("framewise.fuzz.inputSeconds", 15));
  /** Every MODEL_EVERY-th case mutates a model; the others a video. */
  private static final int MODEL_EVERY = 5;
  private static final int MAX_REPORTED = 25;

  @TempDir static Path dir;

  private final List<byte[]> videos = new ArrayList<>();
  private final List<String> videoExtensions = new ArrayList<>();
  private final List<byte[]> models = new ArrayList<>();
  private Path model;
  private Path shortVideo;

  @Test
  void mutatedVideosAndModels_failTypedAndAgreeChunkedOrNot() throws Exception {
    long seconds = Long.getLong("framewise.fuzz.seconds", 120);
    if (seconds <= 0) {
      System.out.println("fuzz: framewise.fuzz.seconds=0, skipped");
      return;
    }
    long seed = Long.getLong("framewise.fuzz.seed", DEFAULT_SEED);
    Long only = Long.getLong("framewise.fuzz.case");
    long started = System.nanoTime();
    seeds();
    // the control: unmutated seeds run complete, chunked or not, with the same bytes
    for (int i = 0; i < videos.size(); i++) {
      Path seedFile = dir.resolve("seed-" + i + "." + videoExtensions.get(i));
      Files.write(seedFile, videos.get(i));
      List<String> found = new ArrayList<>();
      checkVideo(seedFile, found::add);
      assertThat(found).as("seed video %d (%s)", i, videoExtensions.get(i)).isEmpty();
      assertThat(run(() -> VideoDetector.open(seedFile).model(model)).complete()).as("seed %d complete", i).isTrue();
    }
    for (int i = 0; i < models.size(); i++) {
      Path seedFile = Files.write(dir.resolve("seed-" + i + ".onnx"), models.get(i));
      Outcome o = run(() -> VideoDetector.open(shortVideo).model(seedFile));
      assertThat(o.complete()).as("seed model %d: %s", i, o).isTrue();
    }
    String replay = System.getProperty("framewise.fuzz.replay");
    if (replay != null) { // saved failing inputs (a folder of input-K.ext files): each video checked again
      List<String> replayed = new ArrayList<>();
      try (var files = Files.list(Path.of(replay))) {
        for (Path input : files.filter(p -> !p.toString().endsWith(".onnx")).sorted().toList()) {
          List<String> found = new ArrayList<>();
          checkVideo(input, found::add);
          System.out.println("fuzz replay: " + input.getFileName() + (found.isEmpty() ? ": ok" : ": " + String.join("; ", found)));
          if (!found.isEmpty()) {
            replayed.add(input.getFileName() + ": " + String.join("; ", found));
          }
        }
      }
      assertThat(replayed).as("replayed inputs from %s", replay).isEmpty();
      return;
    }
    Path work = Files.createDirectories(Path.of("target", "fuzz"));
    Path failures = Files.createDirectories(work.resolve("failures"));
    long deadline = started + TimeUnit.SECONDS.toNanos(seconds);
    List<String> problems = new ArrayList<>();
    Map<String, List<Long>> kinds = new TreeMap<>();
    int[] counts = new int[2];
    ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fuzz-runner");
      t.setDaemon(true);
      return t;
    });
    // Cases of the default seed that once failed beyond the default budget, run first in every run:
    // 11767 crashed the JVM (swscale overran the BGR buffer of a 187-pixel-wide frame), 25628 failed
    // chunked with FW-105 where the unchunked run said FW-300 (a header claiming 16842x10240, no frames).
    java.util.Iterator<Long> regressions = (only == null && seed == DEFAULT_SEED ? List.of(11767L, 25628L) : List.<Long>of()).iterator();
    long next = 0;
    try {
      while (regressions.hasNext() || (only != null ? next == 0 : System.nanoTime() < deadline)) {
        long k = regressions.hasNext() ? regressions.next() : only != null ? only : next++;
        if (only != null) {
          next = 1;
        }
        long caseSeed = seed * 1_000_003L + k;
        boolean isModel = k % MODEL_EVERY == MODEL_EVERY - 1;
        Mutator.Mutant m = Mutator.mutate(caseSeed, isModel ? models : videos);
        String ext = isModel ? "onnx" : videoExtensions.get(m.first());
        Path input = work.resolve("input-" + k + "." + ext);
        Files.write(input, m.bytes());
        String label = "case " + k + " (" + (isModel ? "model" : "video") + ", " + m.how() + ", " + m.bytes().length + " bytes)";
        Files.writeString(work.resolve("current.txt"), label + "\n" + input.toAbsolutePath() + "\n");
        List<String> found = new ArrayList<>();
        Future<?> f = runner.submit(() -> {
          if (isModel) {
            checkModel(input, found::add);
          } else {
            checkVideo(input, found::add);
          }
        });
        try {
          f.get(PER_INPUT.toSeconds() * (isModel ? 1 : 2), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          f.cancel(true);
          Files.copy(input, failures.resolve(input.getFileName()), StandardCopyOption.REPLACE_EXISTING);
          problems.add(label + ": HANG, still running after " + PER_INPUT.toSeconds() * (isModel ? 1 : 2) + " s");
          break;
        } catch (ExecutionException e) {
          found.add("the check itself failed: " + e.getCause());
        }
        counts[isModel ? 1 : 0]++;
        if (!found.isEmpty()) {
          Files.copy(input, failures.resolve(input.getFileName()), StandardCopyOption.REPLACE_EXISTING);
          if (problems.size() < MAX_REPORTED) {
            problems.add(label + ": " + String.join("; ", found));
          }
          for (String p : found) {
            kinds.computeIfAbsent((isModel ? "model: " : "video: ") + kind(p), x -> new ArrayList<>()).add(k);
          }
        }
        Files.delete(input);
      }
    } finally {
      runner.shutdownNow();
    }
    Files.deleteIfExists(work.resolve("current.txt"));
    double took = (System.nanoTime() - started) / 1e9;
    System.out.printf("fuzz: seed %d, %d executions (%d videos, each unchunked + chunked; %d models) in %.1f s, %d failing%n",
        seed, counts[0] + counts[1], counts[0], counts[1], took, problems.size());
    problems.forEach(p -> System.out.println("fuzz: " + p));
    kinds.forEach((kind, cases) -> System.out.println("fuzz: " + cases.size() + " x " + kind + ": cases "
        + cases.subList(0, Math.min(cases.size(), 20)) + (cases.size() > 20 ? " ..." : "")));
    assertThat(problems).as("failing fuzz cases (rerun one with -Dframewise.fuzz.case=K; inputs in %s)", failures.toAbsolutePath()).isEmpty();
    if (only == null) {
      assertThat(counts[0] + counts[1]).as("executions").isGreaterThanOrEqualTo(10);
    }
  }

  /** The kind of a problem, for the summary: its text up to the first detail. */
  private static String kind(String problem) {
    if (problem.startsWith("chunked/unchunked disagree")) {
      return problem.substring(0, problem.indexOf(':'));
    }
    int cut = problem.indexOf(':', problem.indexOf("untyped") + 9);
    String head = cut > 0 ? problem.substring(0, cut) : problem;
    int at = problem.indexOf(" at ");
    return head + (at > 0 ? problem.substring(at) : "");
  }

  /** Unchunked and chunked runs of one video: both typed, and the same bytes or the same error. */
  private void checkVideo(Path video, Consumer<String> problem) {
    Outcome whole = run(() -> VideoDetector.open(video).model(model).parallelism(1));
    Outcome chunked = run(() -> VideoDetector.open(video).model(model).chunkSize(Duration.ofMillis(500)).parallelism(2));
    whole.untyped().ifPresent(t -> problem.accept("unchunked: untyped " + t));
    chunked.untyped().ifPresent(t -> problem.accept("chunked: untyped " + t));
    if (!whole.sameAs(chunked)) {
      String worst = whole.json != null && chunked.json != null && whole.complete() != chunked.complete()
          ? (chunked.complete() ? " (chunked says complete, unchunked does not)" : " (unchunked says complete, chunked does not)") : whole.json != null && chunked.json != null ? " (JSON differs)" : " (outcome differs)";
      problem.accept("chunked/unchunked disagree" + worst + ": unchunked " + whole + ", chunked " + chunked
          + (whole.json != null && chunked.json != null ? "; first difference: " + firstDifference(whole.json, chunked.json) : ""));
    }
  }

  /** Where two JSON documents first differ, with some context from each. */
  private static String firstDifference(byte[] a, byte[] b) {
    int i = Arrays.mismatch(a, b);
    String x = new String(a, StandardCharsets.UTF_8);
    String y = new String(b, StandardCharsets.UTF_8);
    int from = Math.max(0, i - 60);
    return "unchunked ..." + x.substring(Math.min(from, x.length()), Math.min(x.length(), i + 60)) + "... chunked ..."
        + y.substring(Math.min(from, y.length()), Math.min(y.length(), i + 60)) + "...";
  }

  /** One job with a mutated model on a short valid video: success or a typed error. */
  private void checkModel(Path mutated, Consumer<String> problem) {
    Outcome o = run(() -> VideoDetector.open(shortVideo).model(mutated));
    o.untyped().ifPresent(t -> problem.accept("untyped " + t));
  }

  private static Outcome run(Supplier<DetectionJob> job) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      job.get().writeJson(out);
      return new Outcome(out.toByteArray(), null);
    } catch (Throwable t) { // an Error (OutOfMemoryError, StackOverflowError) is a finding too
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return new Outcome(null, t);
    }
  }

  /** A job's result: the JSON, or what it threw. */
  private record Outcome(byte[] json, Throwable error) {

    Optional<String> untyped() {
      if (error == null || error instanceof VideoDetectorException) {
        return Optional.empty();
      }
      StackTraceElement[] st = error.getStackTrace();
      return Optional.of(error + (st.length > 0 ? " at " + st[0] : ""));
    }

    boolean complete() {
      return json != null && new String(json, StandardCharsets.UTF_8).contains("\"complete\":true,\"errors\":[]}}");
    }

    boolean sameAs(Outcome other) {
      if (json != null || other.json != null) {
        return json != null && other.json != null && Arrays.equals(json, other.json);
      }
      return error.getClass() == other.error.getClass() && code(error).equals(code(other.error));
    }

    private static String code(Throwable t) {
      return t instanceof VideoDetectorException v ? String.valueOf(v.code()) : "";
    }

    @Override
    public String toString() {
      if (json != null) {
        String s = new String(json, StandardCharsets.UTF_8);
        int at = s.indexOf("\"summary\"");
        return json.length + " bytes JSON" + (at >= 0 ? " " + s.substring(at, Math.min(s.length(), at + 160)) : "");
      }
      return error.getClass().getSimpleName() + ": " + error.getMessage();
    }
  }

  /** The corpus: small valid videos in every container and codec at hand, and every detector family. */
  private void seeds() throws IOException {
    SyntheticVideo mpeg4 = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(16).gopSize(4).build();
    SyntheticVideo h264 = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(16).gopSize(4).codec("libopenh264").build();
    for (String ext : new String[] {"mp4", "mkv", "avi"}) {
      addVideo(mpeg4.write(dir.resolve("mpeg4." + ext)), ext);
    }
    for (String ext : new String[] {"mp4", "mkv", "ts"}) {
      addVideo(h264.write(dir.resolve("h264." + ext)), ext);
    }
    shortVideo = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(3).build().write(dir.resolve("short.mp4"));
    SyntheticDetector main = SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(160, 96).cell(32).build();
    model = main.write(dir.resolve("model.onnx"));
    models.add(main.toBytes());
    models.add(SyntheticDetector.builder(SyntheticFamily.YOLOV5).inputSize(160, 96).build().toBytes());
    models.add(SyntheticDetector.builder(SyntheticFamily.YOLOX).inputSize(160, 96).build().toBytes());
    models.add(SyntheticDetector.builder(SyntheticFamily.SSD).inputSize(160, 96).build().toBytes());
    models.add(SyntheticDetector.builder(SyntheticFamily.END2END).inputSize(160, 96).cell(32).build().toBytes());
  }

  private void addVideo(Path file, String ext) throws IOException {
    videos.add(Files.readAllBytes(file));
    videoExtensions.add(ext);
  }
}
