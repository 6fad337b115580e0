package io.framewise.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.DetectionSummary;
import io.framewise.VideoDetector;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The producer in a CDI container whose runtime has no MicroProfile Config: run by its own Surefire
 * execution, with the MicroProfile Config API and SmallRye Config taken off the class path.
 */
class WithoutMicroProfileConfigTest {

  @AfterEach
  void clearProperties() {
    System.clearProperty("framewise.model");
    System.clearProperty("framewise.confidence");
  }

  @Test
  void classPath_hasNoMicroProfileConfig() {
    assertThatThrownBy(() -> Class.forName("org.eclipse.microprofile.config.ConfigProvider"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void producer_withoutMicroProfileConfig_usesPlainDefaults() {
    try (WeldContainer c = new Weld().containerId("no-mp-defaults").initialize()) {
      FramewiseConfig config = c.select(FramewiseConfig.class).get();
      assertThat(config.source()).isEqualTo("system properties and environment");
      assertThat(config.values()).isEmpty();
      assertThat(config.model()).isEmpty();
      assertThat(config.device()).isEmpty();
      assertThat(config.threadFactory()).hasValue(FramewiseConfig.DEFAULT_THREAD_FACTORY);
      assertThat(config.executor()).isEmpty();
      assertThat(config.remoteInput()).isEmpty();

      // A working detector with Framewise's defaults; the application names the model per job.
      VideoDetector detector = c.select(VideoDetector.class).get();
      DetectionSummary s = c.select(FramewiseJobs.class).get().newJob(Fixtures.VIDEO_FILE)
          .model(Fixtures.MODEL_FILE).run(f -> {});
      assertThat(s.complete()).isTrue();
      assertThat(s.detections()).isEqualTo(Fixtures.truthDetections());
      assertThat(detector.isClosed()).isFalse();
    }
  }

  @Test
  void producer_withoutMicroProfileConfig_readsSystemProperties() {
    System.setProperty("framewise.model", Fixtures.MODEL_FILE.toString());
    System.setProperty("framewise.confidence", "0.3");
    try (WeldContainer c = new Weld().containerId("no-mp-properties").initialize()) {
      FramewiseConfig config = c.select(FramewiseConfig.class).get();
      assertThat(config.confidence()).hasValue(0.3);
      DetectionSummary s = c.select(FramewiseJobs.class).get().newJob(Fixtures.VIDEO_FILE).run(f -> {});
      assertThat(s.detections()).isEqualTo(Fixtures.truthDetections());
    }
  }
}
