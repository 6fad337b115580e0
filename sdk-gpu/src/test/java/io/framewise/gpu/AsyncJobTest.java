package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.FrameListener;
import io.framewise.JobCancelledException;
import io.framewise.JobHandle;
import io.framewise.JobObserver;
import io.framewise.JobTimeoutException;
import io.framewise.ModelInfo;
import io.framewise.Progress;
import io.framewise.VideoDetector;
import io.framewise.VideoInfo;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 §1, asynchronous jobs: {@code runAsync} / {@code writeJsonAsync} return at once with a
 * {@link JobHandle}; its future gives the same summary (and the file the same bytes) as the blocking
 * call; its progress and its video and model info are readable while it runs; {@link JobHandle#cancel()},
 * cancelling the future and a timeout stop it as design note 0009 says (FW-700, FW-701: no output, no
 * worker left); and the detector's {@link JobObserver} sees started, progress, finished or failed. Real
 * FFmpeg and ONNX Runtime on a generated clip and detector with exact ground truth.
 */
class AsyncJobTest {

  private static final int FRAMES = 48;
  private static final int LONG_FRAMES = 900;

  @TempDir static Path dir;
  static Path video;
  static Path longVideo;
  static Path model;
  static final List<String> events = new CopyOnWriteArrayList<>();
  static VideoDetector detector;

  @TempDir Path tmp;

  @BeforeAll
  static void media() {
    video = SyntheticVideo.builder().size(320, 192).frames(FRAMES).gopSize(12).codec("mpeg4").build().write(dir.resolve("clip.mp4"));
    longVideo = SyntheticVideo.builder().size(320, 192).frames(LONG_FRAMES).gopSize(12).codec("mpeg4").build().write(dir.resolve("long.mp4"));
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("v8.onnx"));
    detector = VideoDetector.builder().addObserver(new JobObserver() {
      @Override
      public void jobStarted(Job job, VideoInfo video, ModelInfo model) {
        events.add(job.video() + " started " + video.width() + "x" + video.height() + " " + model.labels());
      }

      @Override
      public void jobProgress(Job job, Progress progress) {
        events.add(job.video() + " progress");
      }

      @Override
      public void jobFinished(Job job, DetectionSummary summary, Duration duration) {
        events.add(job.video() + " finished " + summary.framesProcessed() + (duration.isNegative() || duration.isZero() ? " no time" : ""));
      }

      @Override
      public void jobFailed(Job job, Throwable failure, Duration duration) {
        events.add(job.video() + " failed " + (failure instanceof JobCancelledException c ? c.code() : failure.toString()));
      }
    }).build();
  }

  @AfterAll
  static void close() {
    detector.close();
  }

  @Test
  void writeJsonAsync_returnsAtOnce_andGivesWhatTheBlockingCallGives() throws Exception {
    Path blocking = tmp.resolve("blocking.json");
    Path async = tmp.resolve("async.json");
    DetectionSummary expected = VideoDetector.open(video).model(model).writeJson(blocking);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch first = new CountDownLatch(1);
    events.clear();

    JobHandle handle = detector.newJob(video).model(model).listener(new FrameListener() {
      @Override
      public void onFrame(FrameDetections frame) {
        first.countDown();
        await(go);
      }
    }).writeJsonAsync(async);

    assertThat(handle.isDone()).as("returned before the job could end").isFalse();
    assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(handle.videoInfo()).isNotNull();
    assertThat(handle.videoInfo().width()).isEqualTo(320);
    assertThat(handle.modelInfo().labels()).isEqualTo(SyntheticDetector.LABELS);
    assertThat(async).as("nothing looks finished while it runs").doesNotExist();
    go.countDown();
    DetectionSummary summary = handle.result().get(60, TimeUnit.SECONDS);

    assertThat(summary).isEqualTo(expected);
    assertThat(Files.readAllBytes(async)).isEqualTo(Files.readAllBytes(blocking));
    Progress last = handle.progress();
    assertThat(last.framesDone()).isEqualTo(FRAMES);
    assertThat(last.framesProcessed()).isEqualTo(FRAMES);
    assertThat(events.get(0)).isEqualTo("clip.mp4 started 320x192 " + SyntheticDetector.LABELS);
    assertThat(events.get(events.size() - 1)).isEqualTo("clip.mp4 finished " + FRAMES);
    assertThat(events.subList(1, events.size() - 1)).isNotEmpty().allMatch(e -> e.equals("clip.mp4 progress"));
  }

  @Test
  void handleCancel_stopsTheJob_FW700_andLeavesNothing() throws Exception {
    Path out = tmp.resolve("cancelled.json");
    AtomicLong seen = new AtomicLong();
    events.clear();
    JobHandle handle = detector.newJob(longVideo).model(model).parallelism(2).listener(f -> seen.incrementAndGet()).writeJsonAsync(out);
    waitFor(() -> seen.get() >= 10);
    long t0 = System.nanoTime();
    assertThat(handle.cancel()).isTrue();

    ExecutionException e = catchThrowableOfType(() -> handle.result().get(30, TimeUnit.SECONDS), ExecutionException.class);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("AsyncJobTest: cancelled after " + seen.get() + " frames, stopped in " + ms + " ms");

    assertThat(e.getCause()).isExactlyInstanceOf(JobCancelledException.class);
    assertThat(((JobCancelledException) e.getCause()).code()).isEqualTo("FW-700");
    assertThat(e.getCause().getMessage()).contains("long.mp4").contains("cancelled");
    assertThat(seen.get()).isLessThan(LONG_FRAMES / 2);
    assertThat(handle.cancel()).as("already ended").isFalse();
    assertNothingLeft();
    assertThat(events).last().isEqualTo("long.mp4 failed FW-700");
  }

  @Test
  void cancellingTheFuture_cancelsTheJob() throws Exception {
    Path out = tmp.resolve("future.json");
    AtomicLong seen = new AtomicLong();
    JobHandle handle = detector.newJob(longVideo).model(model).listener(f -> seen.incrementAndGet()).writeJsonAsync(out);
    waitFor(() -> seen.get() >= 10);

    assertThat(handle.result().cancel(true)).isTrue();

    assertThat(catchThrowableOfType(handle::await, CancellationException.class)).isNotNull();
    waitFor(() -> events.contains("long.mp4 failed FW-700"));
    assertThat(seen.get()).isLessThan(LONG_FRAMES / 2);
    assertNothingLeft();
  }

  @Test
  void timeout_endsTheJobLikeACancellation_butSaysTimeout_FW701() throws Exception {
    Path asyncOut = tmp.resolve("async-timeout.json");
    Path syncOut = tmp.resolve("sync-timeout.json");
    events.clear();

    JobHandle handle = detector.newJob(longVideo).model(model).timeout(Duration.ofMillis(800)).writeJsonAsync(asyncOut);
    JobTimeoutException async = catchThrowableOfType(handle::await, JobTimeoutException.class);
    long t0 = System.nanoTime();
    JobTimeoutException sync = catchThrowableOfType(
        () -> detector.newJob(longVideo).model(model).parallelism(1).timeout(Duration.ofMillis(800)).writeJson(syncOut),
        JobTimeoutException.class);
    long ms = (System.nanoTime() - t0) / 1_000_000;

    for (JobTimeoutException e : List.of(async, sync)) {
      assertThat(e).isNotNull().isInstanceOf(JobCancelledException.class);
      assertThat(e.code()).isEqualTo("FW-701");
      assertThat(e.timeout()).isEqualTo(Duration.ofMillis(800));
      assertThat(e.getMessage()).contains("long.mp4").contains("timeout of PT0.8S").endsWith("(FW-701)");
    }
    assertThat(ms).as("the blocking job stopped soon after its timeout").isBetween(700L, 5_000L);
    assertThat(Thread.currentThread().isInterrupted()).as("a timeout leaves the caller's thread uninterrupted").isFalse();
    assertNothingLeft();
    assertThat(events).contains("long.mp4 failed FW-701");
  }

  private void assertNothingLeft() throws Exception {
    waitFor(() -> workers().isEmpty());
    assertThat(workers()).as("the job's workers ended").isEmpty();
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no output, no .part file").isEmpty();
    }
  }

  private static List<String> workers() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("framewise-segment-") || n.startsWith("framewise-inference-") || n.startsWith("framewise-job-"))
        .toList();
  }

  interface Condition {
    boolean holds() throws IOException;
  }

  private static void waitFor(Condition c) throws Exception {
    long t0 = System.nanoTime();
    while (!c.holds() && System.nanoTime() - t0 < 60_000_000_000L) {
      Thread.sleep(10);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
