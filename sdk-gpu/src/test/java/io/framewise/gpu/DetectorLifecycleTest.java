package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.DetectionSummary;
import io.framewise.JobHandle;
import io.framewise.VideoDetector;
import io.framewise.testkit.CraftedModel;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 §1, lifecycle: a detector owns the model sessions its jobs load. An idle one is released by
 * the detector's timer, on a server that runs nothing more (nothing else touches the cache); closing the
 * detector releases them at once, native memory included (the process's resident set falls by about
 * the model's weights); a job running when the detector closes finishes first.
 */
class DetectorLifecycleTest {

  private static final long MIB = 1L << 20;
  private static final long BALLAST = 192 * MIB;

  @TempDir static Path dir;
  static Path video;
  static Path model;
  static Path smallVideo;
  static Path heavyModel;

  @BeforeAll
  static void media() {
    video = SyntheticVideo.builder().size(320, 192).frames(40).gopSize(10).codec("mpeg4").build().write(dir.resolve("clip.mp4"));
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("v8.onnx"));
    smallVideo = SyntheticVideo.builder().size(64, 64).objectSize(16).frames(5).build().write(dir.resolve("small.mp4"));
    heavyModel = CraftedModel.builder(64, 64).output("output0", new float[7 * 4], 1, 7, 4).metadata("names", CraftedModel.names(3))
        .ballast(BALLAST).build().write(dir.resolve("heavy.onnx"));
  }

  @Test
  void idleSession_isReleasedByTheTimer_onAnIdleServer() throws Exception {
    int base = LoadedModel.openSessions();
    try (VideoDetector detector = VideoDetector.builder().idleTimeout(Duration.ofMillis(500)).build()) {
      detector.newJob(video).model(model).parallelism(1).run(f -> {});
      assertThat(LoadedModel.openSessions()).as("kept for the next job").isEqualTo(base + 1);
      long t0 = System.nanoTime();
      while (LoadedModel.openSessions() > base && System.nanoTime() - t0 < 15_000_000_000L) {
        Thread.sleep(50); // nothing touches the detector or its cache meanwhile
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("DetectorLifecycleTest: idle session released " + ms + " ms after the job (idle timeout 500 ms)");
      assertThat(LoadedModel.openSessions()).as("released by the timer").isEqualTo(base);
      assertThat(ms).isGreaterThanOrEqualTo(300);
      // and the detector goes on: a new job loads it again
      DetectionSummary again = detector.newJob(video).model(model).parallelism(1).run(f -> {});
      assertThat(again.framesProcessed()).isEqualTo(40);
    }
    assertThat(LoadedModel.openSessions()).isEqualTo(base);
  }

  @Test
  void jobsShareOneSession_andCloseReleasesIt_withItsNativeMemory() throws Exception {
    int base = LoadedModel.openSessions();
    long rss0 = rss();
    VideoDetector detector = VideoDetector.builder().idleTimeout(Duration.ofHours(1)).build();
    detector.newJob(smallVideo).model(heavyModel).parallelism(1).run(f -> {});
    detector.newJob(smallVideo).model(heavyModel).parallelism(1).run(f -> {});
    assertThat(LoadedModel.openSessions()).as("two jobs, one session").isEqualTo(base + 1);
    long rss1 = rss();
    detector.close();
    assertThat(LoadedModel.openSessions()).isEqualTo(base);
    long rss2 = rss();
    System.out.printf("DetectorLifecycleTest: RSS %d MiB before, %d MiB with the %d MiB model loaded, %d MiB after close%n",
        rss0 / MIB, rss1 / MIB, BALLAST / MIB, rss2 / MIB);
    assertThat(rss1 - rss0).as("the session holds the weights").isGreaterThan(BALLAST * 3 / 4);
    assertThat(rss1 - rss2).as("close() gives the weights back to the system").isGreaterThan(BALLAST * 3 / 4);
    assertThatThrownBy(() -> detector.newJob(smallVideo)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void closeWhileAJobRuns_letsItFinish_thenReleases() throws Exception {
    int base = LoadedModel.openSessions();
    VideoDetector detector = VideoDetector.builder().build();
    JobHandle running = detector.newJob(video).model(model).parallelism(1).runAsync(f -> {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    detector.close();
    assertThat(detector.isClosed()).isTrue();
    DetectionSummary s = running.await();
    assertThat(s.complete()).isTrue();
    assertThat(s.framesProcessed()).isEqualTo(40);
    long t0 = System.nanoTime();
    while (LoadedModel.openSessions() > base && System.nanoTime() - t0 < 5_000_000_000L) {
      Thread.sleep(10); // the job's thread releases the detector right after completing the future
    }
    assertThat(LoadedModel.openSessions()).isEqualTo(base);
  }

  /** The process's resident set, from /proc/self/status. */
  static long rss() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
