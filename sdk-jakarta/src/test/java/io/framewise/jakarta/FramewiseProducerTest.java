package io.framewise.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.ModelFormat;
import io.framewise.VideoDetector;
import io.framewise.testkit.SyntheticDetector;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The producer in a real CDI container (Weld SE, discovering this module's beans.xml as a server does),
 * configured through a real MicroProfile Config (SmallRye Config registered for the application's class
 * loader, as a server registers its own), running real jobs on a synthetic clip with exact ground truth.
 */
class FramewiseProducerTest {

  private final ClassLoader app = Thread.currentThread().getContextClassLoader();
  private Config config;

  /** Registers the application's MicroProfile Config with these keys. */
  private void configure(Map<String, String> keys) {
    config = new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(keys, "test", 500)).build();
    ConfigProviderResolver.instance().registerConfig(config, app);
  }

  @AfterEach
  void releaseConfig() {
    if (config != null) {
      ConfigProviderResolver.instance().releaseConfig(config);
    }
  }

  private static WeldContainer boot(Class<?>... extraBeans) {
    Weld weld = new Weld().containerId("framewise-test-" + System.nanoTime());
    for (Class<?> c : extraBeans) {
      weld.addBeanClass(c);
    }
    return weld.initialize();
  }

  @Test
  void producer_microProfileConfig_configuresDetectorAndJobs() {
    configure(Map.of(
        "framewise.model", Fixtures.MODEL_FILE.toString(),
        "framewise.model.format", "yolov8",
        "framewise.confidence", "0.5",
        "framewise.chunk-size", "1s",
        "framewise.parallelism", "2",
        "framewise.device", "cpu",
        "framewise.threads", "1",
        "framewise.cache.idle", "2m"));
    try (WeldContainer c = boot()) {
      FramewiseConfig settings = c.select(FramewiseConfig.class).get();
      assertThat(settings.source()).isEqualTo("MicroProfile Config");
      assertThat(settings.model()).hasValueSatisfying(m -> {
        assertThat(m.path()).isEqualTo(Fixtures.MODEL_FILE);
        assertThat(m.format()).isEqualTo(ModelFormat.YOLOV8);
      });
      assertThat(settings.confidence()).hasValue(0.5);
      assertThat(settings.chunkDuration()).hasValue(Duration.ofSeconds(1));
      assertThat(settings.parallelism()).hasValue(2);
      assertThat(settings.device()).hasValue("cpu");
      assertThat(settings.threads()).hasValue(1);
      assertThat(settings.idleTimeout()).hasValue(Duration.ofMinutes(2));

      FramewiseJobs jobs = c.select(FramewiseJobs.class).get();
      // One detector for the application: the one FramewiseJobs uses is the one injected elsewhere.
      assertThat(jobs.detector()).isSameAs(c.select(VideoDetector.class).get());
      List<FrameDetections> frames = new ArrayList<>();
      DetectionSummary s = jobs.newJob(Fixtures.VIDEO_FILE).run(frames::add);
      assertThat(s.complete()).isTrue();
      assertThat(s.framesProcessed()).isEqualTo(Fixtures.VIDEO.frames());
      assertThat(s.detections()).isEqualTo(Fixtures.truthDetections());
      assertThat(frames).extracting(FrameDetections::frameId)
          .containsExactlyElementsOf(java.util.stream.LongStream.range(0, Fixtures.VIDEO.frames()).boxed().toList());
      // The configured model ran, with its configured labels from the model's metadata.
      assertThat(frames.get(0).detections()).extracting(d -> d.label()).isSubsetOf(SyntheticDetector.LABELS);
    }
  }

  @Test
  void detector_containerShutdown_closesIt() {
    configure(Map.of());
    VideoDetector detector;
    try (WeldContainer c = boot()) {
      detector = c.select(VideoDetector.class).get();
      assertThat(detector.isClosed()).isFalse();
      assertThat(c.select(VideoDetector.class).get()).isSameAs(detector);
    }
    assertThat(detector.isClosed()).isTrue();
    assertThatThrownBy(() -> detector.newJob(Fixtures.VIDEO_FILE)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void override_alternativeProducer_replacesFramewiseProducer() {
    configure(Map.of("framewise.model", Fixtures.MODEL_FILE.toString()));
    CustomDetectorProducer.made.clear();
    CustomDetectorProducer.closed.clear();
    VideoDetector injected;
    try (WeldContainer c = boot(CustomDetectorProducer.class)) {
      injected = c.select(VideoDetector.class).get();
      assertThat(CustomDetectorProducer.made).containsExactly(injected);
      // FramewiseJobs runs on the application's detector, with the configured model.
      FramewiseJobs jobs = c.select(FramewiseJobs.class).get();
      assertThat(jobs.detector()).isSameAs(injected);
      DetectionSummary s = jobs.newJob(Fixtures.VIDEO_FILE).run(f -> {});
      assertThat(s.detections()).isEqualTo(Fixtures.truthDetections());
    }
    // The application's disposer closed its own detector; Framewise's producer made none.
    assertThat(CustomDetectorProducer.closed).containsExactly(injected);
    assertThat(injected.isClosed()).isTrue();
  }

  @Test
  void threads_framewiseThreadFactoryBean_runsAllWork() throws Exception {
    configure(Map.of("framewise.model", Fixtures.MODEL_FILE.toString(), "framewise.chunk-size", "1s",
        "framewise.parallelism", "2"));
    TestThreadFactory.reset();
    try (WeldContainer c = boot(TestThreadFactory.Producer.class)) {
      FramewiseJobs jobs = c.select(FramewiseJobs.class).get();
      // Threads of other tests' detectors (their own, closed, perhaps still ending) are not this job's.
      List<String> before = TestThreadFactory.sdkThreads();
      List<String> foreign = new ArrayList<>();
      List<String> listenerThreads = new ArrayList<>();
      DetectionSummary s = jobs.newJob(Fixtures.VIDEO_FILE).runAsync(f -> {
        listenerThreads.add(Thread.currentThread().getName());
        for (String t : TestThreadFactory.sdkThreads()) {
          if (!before.contains(t)) {
            foreign.add(t);
          }
        }
      }).result().get();
      assertThat(s.detections()).isEqualTo(Fixtures.truthDetections());
      // The job ran on threads of the application's factory, and the SDK made none of its own.
      assertThat(TestThreadFactory.created()).isGreaterThanOrEqualTo(2);
      assertThat(foreign).isEmpty();
      assertThat(listenerThreads).allSatisfy(name -> assertThat(name).startsWith("managed-"));
    }
  }

  @Test
  void observers_jobObserverBeans_seeEveryJob() {
    configure(Map.of("framewise.model", Fixtures.MODEL_FILE.toString()));
    try (WeldContainer c = boot(MetricsBeans.class)) {
      FramewiseJobs jobs = c.select(FramewiseJobs.class).get();
      jobs.newJob(Fixtures.VIDEO_FILE).run(f -> {});
      jobs.newJob(Fixtures.VIDEO_FILE).run(f -> {});
      MeterRegistry registry = c.select(MeterRegistry.class).get();
      assertThat(registry.get("framewise.frames.processed").counter().count()).isEqualTo(2 * Fixtures.VIDEO.frames());
      assertThat(registry.get("framewise.job.duration").tag("outcome", "complete").timer().count()).isEqualTo(2);
    }
  }

  @Test
  void badValue_failsWhenCreated_namingKeyValueAndCode() {
    configure(Map.of("framewise.threads", "many"));
    try (WeldContainer c = boot()) {
      Throwable t = catchThrowable(() -> c.select(VideoDetector.class).get().isClosed());
      FramewiseConfigException e = rootCause(t, FramewiseConfigException.class);
      assertThat(e.code()).isEqualTo("FW-870");
      assertThat(e.key()).isEqualTo("framewise.threads");
      assertThat(e.getMessage()).contains("framewise.threads='many'", "MicroProfile Config", "whole number", "(FW-870)");
    }
  }

  @Test
  void missingModel_failsWhenCreated_namingTheFile() {
    Path missing = Fixtures.DIR.resolve("no-such-model.onnx");
    configure(Map.of("framewise.model", missing.toString()));
    try (WeldContainer c = boot()) {
      Throwable t = catchThrowable(() -> c.select(FramewiseJobs.class).get().detector());
      FramewiseConfigException e = rootCause(t, FramewiseConfigException.class);
      assertThat(e.code()).isEqualTo("FW-871");
      assertThat(e.key()).isEqualTo("framewise.model");
      assertThat(e.getMessage()).contains(missing.toString(), "does not exist");
      assertThat(Files.exists(missing)).isFalse();
    }
  }

  @Test
  void configuredExecutorName_notFound_failsWithFw872() {
    configure(Map.of("framewise.executor", "java:comp/env/concurrent/none"));
    try (WeldContainer c = boot()) {
      Throwable t = catchThrowable(() -> c.select(VideoDetector.class).get().isClosed());
      FramewiseConfigException e = rootCause(t, FramewiseConfigException.class);
      assertThat(e.code()).isEqualTo("FW-872");
      assertThat(e.getMessage()).contains("framewise.executor='java:comp/env/concurrent/none'", "JNDI lookup failed");
    }
  }

  @Test
  void defaultThreadFactory_absentOutsideAServer_sdkThreads() {
    configure(new HashMap<>());
    try (WeldContainer c = boot()) {
      VideoDetector d = c.select(VideoDetector.class).get();
      DetectionSummary s = d.newJob(Fixtures.VIDEO_FILE).model(Fixtures.MODEL_FILE).run(f -> {});
      assertThat(s.detections()).isEqualTo(Fixtures.truthDetections());
    }
  }

  static <T extends Throwable> T rootCause(Throwable t, Class<T> type) {
    for (Throwable x = t; x != null; x = x.getCause()) {
      if (type.isInstance(x)) {
        return type.cast(x);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " among the causes of " + t, t);
  }
}
