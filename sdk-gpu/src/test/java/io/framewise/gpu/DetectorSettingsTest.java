package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.framewise.DetectionSummary;
import io.framewise.ModelException;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.spi.DetectorContext;
import io.framewise.spi.DetectorSettings;
import io.framewise.spi.ModelAdapter;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 §1, settings: {@code framewise.device}, {@code framewise.threads} and
 * {@code framewise.cache.models} are builder options; the system properties are only their defaults,
 * and a detector's option wins over them. Shown with real ONNX Runtime sessions: a GPU demanded by the
 * property fails (FW-205, on a machine without one) unless the builder says {@code cpu}; the session's
 * intra-op threads are the detector's; the cache keeps as many sessions as the detector says.
 */
class DetectorSettingsTest {

  @TempDir static Path dir;
  static Path video;
  static Path model;
  static Path model2;

  @BeforeAll
  static void media() {
    video = SyntheticVideo.builder().size(192, 128).frames(6).build().write(dir.resolve("clip.mp4"));
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("a.onnx"));
    model2 = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("b.onnx"));
  }

  @AfterEach
  void clearProperties() {
    System.clearProperty(DetectorSettings.DEVICE);
    System.clearProperty(DetectorSettings.THREADS);
    System.clearProperty(DetectorSettings.CACHE_MODELS);
  }

  @Test
  void device_builderOptionWinsOverTheProperty() {
    assumeFalse(Files.exists(Path.of("/dev/nvidia0")) || Files.exists(Path.of("/proc/driver/nvidia/version")),
        "a GPU is present: the property's gpu would not fail here");
    System.setProperty(DetectorSettings.DEVICE, "gpu");
    try (VideoDetector byProperty = VideoDetector.builder().build();
        VideoDetector byOption = VideoDetector.builder().device("cpu").build()) {
      ModelException e = catchThrowableOfType(() -> byProperty.newJob(video).model(model).run(f -> {}), ModelException.class);
      assertThat(e).isNotNull();
      assertThat(e.code()).isEqualTo("FW-205");
      assertThat(e.getMessage()).contains("a.onnx").contains("GPU was requested");

      DetectionSummary s = byOption.newJob(video).model(model).run(f -> {});
      assertThat(s.complete()).isTrue();
    }
    assertThatThrownBy(() -> VideoDetector.builder().device("tpu")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("auto, cpu, gpu or gpu:N");
  }

  @Test
  void intraOpThreads_andCacheSize_areTheDetectorsOverTheProperties() throws Exception {
    System.setProperty(DetectorSettings.THREADS, "2");
    System.setProperty(DetectorSettings.CACHE_MODELS, "4");
    DetectorSettings fromProperties = DetectorSettings.fromSystem();
    assertThat(fromProperties.intraOpThreads()).isEqualTo(2);
    assertThat(fromProperties.modelCacheSize()).isEqualTo(4);
    OnnxModelAdapterProvider provider = new OnnxModelAdapterProvider();

    try (DetectorContext byProperty = DetectorContext.create(fromProperties, null, null);
        DetectorContext byOption = DetectorContext.create(new DetectorSettings("cpu", 1, 1, 8, Duration.ofMinutes(1), true), null, null)) {
      try (ModelAdapter a = provider.open(ModelSpec.of(model), 3, byProperty)) {
        assertThat(a.cpuThreads()).isEqualTo(2);
      }
      try (ModelAdapter a = provider.open(ModelSpec.of(model), 3, byOption)) {
        assertThat(a.cpuThreads()).isEqualTo(1);
      }
      int before = LoadedModel.openSessions();
      try (ModelAdapter b = provider.open(ModelSpec.of(model2), 3, byOption)) {
        assertThat(ModelCache.of(byOption).size()).as("modelCacheSize(1): a second model pushes the first out").isEqualTo(1);
        assertThat(LoadedModel.openSessions()).as("and its session is closed").isEqualTo(before);
      }
      assertThat(ModelCache.of(byProperty).size()).isEqualTo(1);
    }
  }

  @Test
  void builderOptions_areValidatedEagerly_andSetOnce() {
    VideoDetector.Builder b = VideoDetector.builder().intraOpThreads(2).modelCacheSize(3).idleTimeout(Duration.ofSeconds(5)).ffmpegQuiet(true);
    assertThatThrownBy(() -> b.intraOpThreads(3)).isInstanceOf(IllegalStateException.class).hasMessageContaining("intraOpThreads");
    assertThatThrownBy(() -> VideoDetector.builder().modelCacheSize(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VideoDetector.builder().idleTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VideoDetector.builder().executor(Runnable::run).threadFactory(Thread::new))
        .isInstanceOf(IllegalStateException.class);
    System.setProperty(DetectorSettings.THREADS, "many");
    assertThatThrownBy(VideoDetector.builder()::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("framewise.threads").hasMessageContaining("many");
    System.clearProperty(DetectorSettings.THREADS);
    b.build().close();
  }
}
