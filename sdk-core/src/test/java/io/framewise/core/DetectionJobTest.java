package io.framewise.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.DetectionJob;
import io.framewise.VideoDetector;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fluent job's rules: eager validation, set-once options, single use. */
class DetectionJobTest {

  @TempDir Path dir;

  @Test
  void confidence_outOfRange_throws() {
    DetectionJob job = VideoDetector.open(Path.of("v.mp4"));
    assertThatThrownBy(() -> job.confidence(1.5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("confidence");
    assertThatThrownBy(() -> job.iou(-0.1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("iou");
    assertThatThrownBy(() -> job.confidence(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void option_setTwice_throws() {
    DetectionJob job = VideoDetector.open(Path.of("v.mp4")).confidence(0.3).model(Path.of("a.onnx"));
    assertThatThrownBy(() -> job.confidence(0.4)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> job.model(Path.of("b.onnx"))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void run_withoutModel_throws() {
    assertThatThrownBy(() -> VideoDetector.open(Path.of("v.mp4")).writeJson(new ByteArrayOutputStream()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("model(");
  }

  @Test
  void secondTerminalCall_throws() {
    Path file = SyntheticVideo.builder().frames(3).build().write(dir.resolve("three.mp4"));
    DetectionJob job = VideoDetector.builder().modelAdapter(new ColourBlobDetector()).build().newJob(file).model(Path.of("m"));
    job.run(f -> {});
    assertThatThrownBy(() -> job.run(f -> {})).isInstanceOf(IllegalStateException.class).hasMessageContaining("single-use");
  }

  @Test
  void closedDetector_refusesNewJobs() {
    VideoDetector detector = VideoDetector.builder().build();
    detector.close();
    assertThatThrownBy(() -> detector.newJob(Path.of("v.mp4"))).isInstanceOf(IllegalStateException.class);
    assertThat(detector).isNotNull();
  }
}
