package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DetectionSummary;
import io.framewise.DetectorIOException;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.gpu.ResumeChild.CountingProvider;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoIndex;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpointed jobs: a job killed with SIGKILL, or aborted by a failing output, resumes from its
 * committed segments without recomputing them and gives byte-for-byte the output of an uninterrupted
 * run; a checkpoint of a changed input is discarded.
 */
class ResumeTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SEGMENT = Pattern.compile("segment-(\\d{6})\\.fws");
  private static final long CHILD_TIMEOUT_MS = 60_000;
  /** Frames of the videos of the abort tests: 5 segments of 20 frames (2 s at 10 fps). */
  private static final int FRAMES = 100;
  /** Frames of the video that replaces the first one. */
  private static final int CHANGED_FRAMES = 150;

  @TempDir static Path shared;
  static Path model;

  @TempDir Path tmp;

  @BeforeAll
  static void writeModel() {
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("yolov8.onnx"));
  }

  @Test
  void resume_afterSigkill_producesByteIdenticalJson() throws Exception {
    Path video = SyntheticVideo.builder().size(640, 384).frames(900).gopSize(10).codec("mpeg4").build()
        .write(tmp.resolve("long.mp4"));
    Path checkpoint = tmp.resolve("checkpoint");
    Path out = tmp.resolve("result.json");

    CountingProvider referenceCount = new CountingProvider();
    ByteArrayOutputStream reference = new ByteArrayOutputStream();
    long referenceStarted = System.nanoTime();
    DetectionSummary referenceSummary = ResumeChild.job(video, model, referenceCount).writeJson(reference);
    assertThat(referenceSummary.complete()).isTrue();
    long total = referenceSummary.framesDecoded();
    assertThat(total).isEqualTo(900);
    assertThat(referenceCount.frames()).isEqualTo(total);
    long referenceMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - referenceStarted);

    // A real JVM, killed with SIGKILL once it has committed a few segments.
    // The class path goes in CLASSPATH, not -cp: ONNX Runtime 1.29 parses /proc/self/cmdline recursively when it
    // creates its environment, and a command line of a few KiB overflows a 1 MiB thread stack (silent SIGSEGV).
    Path childLog = tmp.resolve("child.log");
    ProcessBuilder launch = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        ResumeChild.class.getName(), video.toString(), model.toString(), checkpoint.toString(), out.toString())
        .redirectErrorStream(true)
        .redirectOutput(childLog.toFile());
    launch.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    Process child = launch.start();
    long started = System.nanoTime();
    long killedAfterMs;
    try {
      while (true) {
        if (segmentsIn(checkpoint).size() >= 3) {
          break;
        }
        if (!child.isAlive()) {
          fail("the child ended (exit %d) before committing 3 segments; make the video longer. Its output:%n%s",
              child.exitValue(), tail(childLog));
        }
        if (System.nanoTime() - started > TimeUnit.MILLISECONDS.toNanos(CHILD_TIMEOUT_MS)) {
          fail("the child committed fewer than 3 segments in %d ms (found %s in %s). Its output:%n%s",
              CHILD_TIMEOUT_MS, segmentsIn(checkpoint), checkpoint, tail(childLog));
        }
        Thread.sleep(20);
      }
    } finally {
      killedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the killed child is gone").isTrue();
    assertThat(child.exitValue()).as("exit status of a process killed by SIGKILL (128 + 9)").isEqualTo(137);
    Set<Integer> done = segmentsIn(checkpoint); // what is on disk once the process is dead
    assertThat(out).as("a killed job leaves no complete-looking output").doesNotExist();
    List<String> leftBehind = namesIn(tmp);

    VideoIndex index = new FfmpegDecoderProvider().index(video,
        new PipelineOptions(0, ResumeChild.CHUNK, null, 1, 0, 1, false, null));
    long doneFrames = done.stream().mapToLong(i -> index.segments().get(i).frameCount()).sum();
    assertThat(done).hasSizeGreaterThanOrEqualTo(3).hasSizeLessThan(index.segments().size());

    CountingProvider resumedCount = new CountingProvider();
    long resumeStarted = System.nanoTime();
    DetectionSummary resumed = ResumeChild.job(video, model, resumedCount).checkpointDir(checkpoint).writeJson(out);
    long resumeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumeStarted);

    assertThat(Files.readAllBytes(out)).as("resumed output vs uninterrupted run").isEqualTo(reference.toByteArray());
    assertThat(resumed.complete()).isTrue();
    assertThat(resumed).isEqualTo(referenceSummary);
    assertThat(resumedCount.frames()).as("frames inferred again after resuming with segments %s done", done)
        .isEqualTo(total - doneFrames);
    assertThat(segmentsIn(checkpoint)).as("segment files left after a successful job").isEmpty();
    System.out.printf("resume: reference run %d ms; child killed %d ms after its start with %d of %d segments (%d of %d frames)"
        + " done; resumed run %d ms, %d frames inferred; files beside the output after the kill: %s%n",
        referenceMs, killedAfterMs, done.size(), index.segments().size(), doneFrames, total, resumeMs, resumedCount.frames(),
        leftBehind);
  }

  @Test
  void checkpoint_changedInput_isDiscardedAndResultIsFresh() throws Exception {
    Path video = SyntheticVideo.builder().size(640, 384).frames(FRAMES).gopSize(10).build().write(tmp.resolve("input.mp4"));
    Path checkpoint = tmp.resolve("checkpoint");
    byte[] first = fresh(video);
    Set<Integer> done = abortHalfway(video, checkpoint, first.length / 2);
    assertThat(done).as("segments committed before the output failed").isNotEmpty();

    // Another video at the same path: other frame count, other size, so stale segments would show.
    SyntheticVideo replacement = SyntheticVideo.builder().size(512, 320).frames(CHANGED_FRAMES).gopSize(10).build();
    Files.delete(video);
    replacement.write(video);
    byte[] expected = fresh(video);

    CountingProvider counting = new CountingProvider();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = ResumeChild.job(video, model, counting).checkpointDir(checkpoint).writeJson(out);

    assertThat(out.toByteArray()).as("output after discarding the stale checkpoint vs a fresh run").isEqualTo(expected);
    assertThat(summary.complete()).isTrue();
    assertThat(summary.framesDecoded()).isEqualTo(CHANGED_FRAMES);
    assertThat(JSON.readTree(out.toByteArray()).path("frames")).hasSize(CHANGED_FRAMES);
    assertThat(counting.frames()).as("every frame of the new input is inferred").isEqualTo(CHANGED_FRAMES);
    assertThat(segmentsIn(checkpoint)).isEmpty();
  }

  @Test
  void checkpoint_sameInput_resumesAfterAbort() throws Exception {
    Path video = SyntheticVideo.builder().size(640, 384).frames(FRAMES).gopSize(10).build().write(tmp.resolve("input.mp4"));
    Path checkpoint = tmp.resolve("checkpoint");
    byte[] expected = fresh(video);
    Set<Integer> done = abortHalfway(video, checkpoint, expected.length / 2);
    assertThat(done).as("segments committed before the output failed").isNotEmpty();
    VideoIndex index = new FfmpegDecoderProvider().index(video,
        new PipelineOptions(0, ResumeChild.CHUNK, null, 1, 0, 1, false, null));
    assertThat(done).hasSizeLessThan(index.segments().size());
    long doneFrames = done.stream().mapToLong(i -> index.segments().get(i).frameCount()).sum();

    CountingProvider counting = new CountingProvider();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = ResumeChild.job(video, model, counting).checkpointDir(checkpoint).writeJson(out);

    assertThat(out.toByteArray()).as("resumed output vs an uninterrupted run").isEqualTo(expected);
    assertThat(summary.complete()).isTrue();
    assertThat(counting.frames()).as("frames inferred again with segments %s done", done)
        .isLessThan(FRAMES).isEqualTo(FRAMES - doneFrames);
    System.out.printf("abort: resumed with %d of %d frames inferred%n", counting.frames(), FRAMES);
    assertThat(segmentsIn(checkpoint)).isEmpty();
  }

  @Test
  void checkpoint_abortedJob_stopsItsWorkersBeforeThrowing() throws Exception {
    Path video = SyntheticVideo.builder().size(640, 384).frames(FRAMES).gopSize(10).build().write(tmp.resolve("input.mp4"));
    Path checkpoint = tmp.resolve("checkpoint");
    int limit = fresh(video).length / 2;
    catchThrowableOfType(
        () -> ResumeChild.job(video, model, new CountingProvider()).checkpointDir(checkpoint).writeJson(new FullDiskStream(limit)),
        DetectorIOException.class);
    List<String> running = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("framewise-segment-") && t.getState() != Thread.State.WAITING)
        .map(Thread::getName)
        .toList();
    assertThat(running).as("segment workers still busy after the job threw").isEmpty();
    awaitSegmentWorkersGone();
    assertThat(namesIn(checkpoint)).noneMatch(n -> n.endsWith(".tmp"));
  }

  /** An uninterrupted run without checkpoint. */
  private static byte[] fresh(Path video) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ResumeChild.job(video, model, new CountingProvider()).writeJson(out).complete()).isTrue();
    return out.toByteArray();
  }

  /** Runs a checkpointed job whose output fails after {@code limit} bytes; returns the segments it committed. */
  private static Set<Integer> abortHalfway(Path video, Path checkpoint, int limit) throws IOException {
    DetectorIOException e = catchThrowableOfType(
        () -> ResumeChild.job(video, model, new CountingProvider()).checkpointDir(checkpoint).writeJson(new FullDiskStream(limit)),
        DetectorIOException.class);
    assertThat(e).as("a failing output aborts the job").isNotNull();
    assertThat(e).hasRootCauseMessage(FullDiskStream.MESSAGE);
    awaitSegmentWorkersGone();
    Set<Integer> done = segmentsIn(checkpoint);
    System.out.printf("abort: output failed after %d bytes with segments %s committed in %s%n", limit, done, checkpoint);
    return done;
  }

  /**
   * Waits until no segment worker of an aborted job is still running. The engine interrupts its pool when a job
   * fails but does not wait for it, and a worker retries its interrupted segment, writing to the checkpoint
   * directory after {@code writeJson} has thrown; a rerun started at once would race with it on the same files.
   */
  private static void awaitSegmentWorkersGone() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      List<String> alive = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.isAlive() && t.getName().startsWith("framewise-segment-"))
          .map(Thread::getName)
          .toList();
      if (alive.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("segment workers of the aborted job still run after 60 s: %s", alive);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new AssertionError(ie);
      }
    }
  }

  private static Set<Integer> segmentsIn(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> SEGMENT.matcher(p.getFileName().toString()))
          .filter(Matcher::matches)
          .map(m -> Integer.parseInt(m.group(1)))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private static List<String> namesIn(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(no output)";
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
    return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
