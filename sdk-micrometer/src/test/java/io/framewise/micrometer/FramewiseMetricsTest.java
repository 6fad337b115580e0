package io.framewise.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.framewise.CorruptMediaException;
import io.framewise.DetectionSummary;
import io.framewise.JobCancelledException;
import io.framewise.Progress;
import io.framewise.VideoDetector;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The meters after real jobs (real FFmpeg, real ONNX Runtime) on synthetic clips whose frame counts and
 * damage are known exactly, read from a real registry.
 */
class FramewiseMetricsTest {

  @TempDir static Path dir;
  static SyntheticVideo video;
  static Path clip;
  static Path model;

  MeterRegistry registry;
  FramewiseMetrics metrics;

  @BeforeAll
  static void media() {
    video = SyntheticVideo.builder().frames(30).gopSize(10).build();
    clip = video.write(dir.resolve("clip.mp4"));
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("squares.onnx"));
  }

  @BeforeEach
  void bind() {
    registry = new SimpleMeterRegistry();
    metrics = new FramewiseMetrics(Tags.of("app", "test"));
    metrics.bindTo(registry);
  }

  private VideoDetector detector() {
    return VideoDetector.builder().addObserver(metrics).build();
  }

  private double counter(String name) {
    return registry.get(name).tag("app", "test").counter().count();
  }

  private Timer timer(String outcome) {
    return registry.get("framewise.job.duration").tag("app", "test").tag("outcome", outcome).timer();
  }

  @Test
  void completeJobs_countEveryFrameExactly() {
    try (VideoDetector d = detector()) {
      DetectionSummary first = d.newJob(clip).model(model).run(f -> {});
      DetectionSummary chunked = d.newJob(clip).model(model).chunkSize(Duration.ofSeconds(1)).parallelism(2).run(f -> {});
      assertThat(first.complete()).isTrue();
      assertThat(chunked.framesProcessed()).isEqualTo(30);
    }
    assertThat(counter("framewise.frames.processed")).isEqualTo(60);
    assertThat(counter("framewise.frames.failed")).isZero();
    assertThat(timer("complete").count()).isEqualTo(2);
    assertThat(timer("complete").totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(registry.find("framewise.jobs.failed").counter()).isNull();
    assertThat(registry.get("framewise.job.fps").summary().count()).isEqualTo(2);
    assertThat(registry.get("framewise.job.fps").summary().max()).isPositive();
    assertThat(registry.get("framewise.jobs.active").gauge().value()).isZero();
    assertThat(registry.get("framewise.frames.rate").gauge().value()).isZero();
  }

  @Test
  void frameStride_countsFramesTheModelRanOn() {
    try (VideoDetector d = detector()) {
      DetectionSummary s = d.newJob(clip).model(model).frameStride(4).run(f -> {});
      assertThat(s.framesDecoded()).isEqualTo(30);
    }
    // frames 0, 4, ..., 28
    assertThat(counter("framewise.frames.processed")).isEqualTo(8);
  }

  @Test
  void damagedFrames_areCountedAsFailedAndTheJobIncomplete() throws Exception {
    SyntheticVideo v = SyntheticVideo.builder().frames(40).gopSize(10).build();
    byte[] bytes = Files.readAllBytes(v.write(dir.resolve("whole.avi")));
    // Garbage over the payload of the 15th and 25th video chunks ('00dc'): two frames cannot be decoded.
    int damaged = 0;
    int chunk = 0;
    for (int i = 0; i + 8 < bytes.length; i++) {
      if (bytes[i] == '0' && bytes[i + 1] == '0' && bytes[i + 2] == 'd' && bytes[i + 3] == 'c') {
        int size = (bytes[i + 4] & 0xff) | (bytes[i + 5] & 0xff) << 8 | (bytes[i + 6] & 0xff) << 16 | (bytes[i + 7] & 0xff) << 24;
        if (size > 16 && (chunk == 14 || chunk == 24)) {
          Arrays.fill(bytes, i + 8, i + 8 + size, (byte) 0xff);
          damaged++;
        }
        chunk++;
        i += 7;
      }
    }
    assertThat(damaged).isEqualTo(2);
    Path broken = Files.write(dir.resolve("damaged.avi"), bytes);
    try (VideoDetector d = detector()) {
      DetectionSummary s = d.newJob(broken).model(model).run(f -> {});
      assertThat(s.framesFailed()).isEqualTo(2);
    }
    assertThat(counter("framewise.frames.processed")).isEqualTo(38);
    assertThat(counter("framewise.frames.failed")).isEqualTo(2);
    assertThat(timer("incomplete").count()).isEqualTo(1);
    assertThat(registry.find("framewise.job.duration").tag("outcome", "complete").timer()).isNull();
  }

  @Test
  void failedJob_isCountedByCode() throws Exception {
    Path notVideo = Files.writeString(dir.resolve("notes.mp4"), "not a video at all");
    try (VideoDetector d = detector()) {
      assertThatThrownBy(() -> d.newJob(notVideo).model(model).run(f -> {})).isInstanceOf(CorruptMediaException.class)
          .hasMessageContaining("(FW-102)");
      assertThatThrownBy(() -> d.newJob(dir.resolve("missing.mp4")).model(model).run(f -> {}))
          .isInstanceOf(CorruptMediaException.class).hasMessageContaining("(FW-100)");
    }
    assertThat(registry.get("framewise.jobs.failed").tag("code", "FW-102").counter().count()).isEqualTo(1);
    assertThat(registry.get("framewise.jobs.failed").tag("code", "FW-100").counter().count()).isEqualTo(1);
    assertThat(timer("failed").count()).isEqualTo(2);
    assertThat(counter("framewise.frames.processed")).isZero();
    assertThat(registry.get("framewise.jobs.active").gauge().value()).isZero();
  }

  @Test
  void cancelledJob_isTimedAsCancelledNotFailed() throws Exception {
    try (VideoDetector d = detector()) {
      var job = d.newJob(clip).model(model);
      job.cancel();
      assertThatThrownBy(() -> job.run(f -> {})).isInstanceOf(JobCancelledException.class);
    }
    assertThat(timer("cancelled").count()).isEqualTo(1);
    assertThat(registry.find("framewise.jobs.failed").counter()).isNull();
  }

  @Test
  void runningJobs_rateAndActiveGauges() {
    // The gauges between a job's progress reports, fed as a detector feeds them.
    FramewiseMetrics.Job a = new FramewiseMetrics.Job(1, "a.mp4", Instant.now());
    FramewiseMetrics.Job b = new FramewiseMetrics.Job(2, "b.mp4", Instant.now());
    metrics.jobProgress(a, new Progress(100, 1000, 40.0, Duration.ofSeconds(22), 50));
    metrics.jobProgress(b, new Progress(30, 0, 12.5, null, 30));
    assertThat(registry.get("framewise.frames.rate").gauge().value()).isCloseTo(52.5, within(1e-9));
    assertThat(registry.get("framewise.jobs.active").gauge().value()).isEqualTo(2);
    assertThat(counter("framewise.frames.processed")).isEqualTo(80);
    metrics.jobFinished(a, new DetectionSummary(1000, 60, 0, 0, true, java.util.List.of()), Duration.ofSeconds(25));
    assertThat(registry.get("framewise.frames.rate").gauge().value()).isCloseTo(12.5, within(1e-9));
    assertThat(registry.get("framewise.jobs.active").gauge().value()).isEqualTo(1);
    // The summary's count is the job's total: 10 more than its last report.
    assertThat(counter("framewise.frames.processed")).isEqualTo(90);
    assertThat(registry.get("framewise.job.fps").summary().max()).isCloseTo(40.0, within(1e-9));
  }

  @Test
  void twoRegistries_bothCount() {
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    metrics.bindTo(second);
    try (VideoDetector d = detector()) {
      d.newJob(clip).model(model).run(f -> {});
    }
    assertThat(counter("framewise.frames.processed")).isEqualTo(30);
    assertThat(second.get("framewise.frames.processed").counter().count()).isEqualTo(30);
  }
}
