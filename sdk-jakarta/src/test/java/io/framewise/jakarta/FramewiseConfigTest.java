package io.framewise.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.framewise.DataSize;
import io.framewise.ModelFormat;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys' values as FramewiseConfig reads and checks them, without a container. */
class FramewiseConfigTest {

  @Test
  void defaults_setNothing() {
    FramewiseConfig c = FramewiseConfig.defaults();
    assertThat(c.values()).isEmpty();
    assertThat(c.model()).isEmpty();
    assertThat(c.confidence()).isEmpty();
    assertThat(c.chunkBytes()).isEmpty();
    assertThat(c.chunkDuration()).isEmpty();
    assertThat(c.device()).isEmpty();
    assertThat(c.ffmpegQuiet()).isEmpty();
    assertThat(c.threadFactory()).hasValue("java:comp/DefaultManagedThreadFactory");
  }

  @Test
  void values_parsedLikeTheCli() {
    FramewiseConfig c = FramewiseConfig.of(Map.ofEntries(
        Map.entry("framewise.model", Fixtures.MODEL_FILE.toString()),
        Map.entry("framewise.model.format", "YOLOv8"),
        Map.entry("framewise.chunk-size", "64MiB"),
        Map.entry("framewise.max-heap", "2GiB"),
        Map.entry("framewise.iou", "0.6"),
        Map.entry("framewise.batch-size", "4"),
        Map.entry("framewise.frame-stride", "10"),
        Map.entry("framewise.remote-input", "https, HTTP"),
        Map.entry("framewise.device", "GPU:1"),
        Map.entry("framewise.cache.models", "2"),
        Map.entry("framewise.cache.indexes", "8"),
        Map.entry("framewise.cache.idle", "PT90S"),
        Map.entry("framewise.ffmpeg.quiet", "false"),
        Map.entry("framewise.thread-factory", "none"),
        Map.entry("unrelated.key", "ignored")));
    assertThat(c.model()).hasValueSatisfying(m -> assertThat(m.format()).isEqualTo(ModelFormat.YOLOV8));
    assertThat(c.chunkBytes()).hasValue(DataSize.ofMebibytes(64));
    assertThat(c.chunkDuration()).isEmpty();
    assertThat(c.maxHeap()).hasValue(DataSize.ofGibibytes(2));
    assertThat(c.iou()).hasValue(0.6);
    assertThat(c.batchSize()).hasValue(4);
    assertThat(c.frameStride()).hasValue(10);
    assertThat(c.remoteInput()).containsExactly("https", "http");
    assertThat(c.device()).hasValue("gpu:1");
    assertThat(c.modelCache()).hasValue(2);
    assertThat(c.indexCache()).hasValue(8);
    assertThat(c.idleTimeout()).hasValue(Duration.ofSeconds(90));
    assertThat(c.ffmpegQuiet()).hasValue(false);
    assertThat(c.threadFactory()).isEmpty();
    assertThat(c.values()).doesNotContainKey("unrelated.key").hasSize(14);
  }

  @Test
  void chunkSize_durations() {
    assertThat(FramewiseConfig.of(Map.of("framewise.chunk-size", "500ms")).chunkDuration()).hasValue(Duration.ofMillis(500));
    assertThat(FramewiseConfig.of(Map.of("framewise.chunk-size", "1.5s")).chunkDuration()).hasValue(Duration.ofMillis(1500));
    assertThat(FramewiseConfig.of(Map.of("framewise.chunk-size", "10m")).chunkDuration()).hasValue(Duration.ofMinutes(10));
    assertThat(FramewiseConfig.of(Map.of("framewise.chunk-size", "10M")).chunkBytes()).hasValue(DataSize.ofMebibytes(10));
  }

  @Test
  void badValues_fw870_nameKeyAndValue() {
    assertInvalid("framewise.confidence", "1.5", "between 0 and 1");
    assertInvalid("framewise.iou", "high", "is not a number");
    assertInvalid("framewise.parallelism", "0", "at least 1");
    assertInvalid("framewise.chunk-size", "a lot", "a data size");
    assertInvalid("framewise.chunk-size", "0s", "must be positive");
    assertInvalid("framewise.max-heap", "lots", "a data size");
    assertInvalid("framewise.device", "tpu", "auto, cpu, gpu or gpu:N");
    assertInvalid("framewise.remote-input", "ftp", "http and https only");
    assertInvalid("framewise.ffmpeg.quiet", "yes", "true or false");
    assertInvalid("framewise.cache.idle", "soon", "a duration");
    assertInvalid("framewise.model.format", "yolov9", "a model format");
  }

  @Test
  void labelsWithoutModel_fw870() {
    FramewiseConfigException e = catchThrowableOfType(
        () -> FramewiseConfig.of(Map.of("framewise.labels", Fixtures.MODEL_FILE.toString())), FramewiseConfigException.class);
    assertThat(e.code()).isEqualTo("FW-870");
    assertThat(e.getMessage()).contains("framewise.labels", "framewise.model is not");
  }

  @Test
  void missingLabelsFile_fw871_namesTheFile() {
    String labels = Fixtures.DIR.resolve("coco.names").toString();
    FramewiseConfigException e = catchThrowableOfType(() -> FramewiseConfig.of(Map.of(
        "framewise.model", Fixtures.MODEL_FILE.toString(), "framewise.labels", labels)), FramewiseConfigException.class);
    assertThat(e.code()).isEqualTo("FW-871");
    assertThat(e.key()).isEqualTo("framewise.labels");
    assertThat(e.getMessage()).contains(labels, "does not exist", "(FW-871)");
  }

  @Test
  void modelDirectory_fw871() {
    FramewiseConfigException e = catchThrowableOfType(
        () -> FramewiseConfig.of(Map.of("framewise.model", Fixtures.DIR.toString())), FramewiseConfigException.class);
    assertThat(e.code()).isEqualTo("FW-871");
    assertThat(e.getMessage()).contains("is not a regular file");
  }

  private static void assertInvalid(String key, String value, String says) {
    FramewiseConfigException e = catchThrowableOfType(() -> FramewiseConfig.of(Map.of(key, value)), FramewiseConfigException.class);
    assertThat(e).as("%s=%s", key, value).isNotNull();
    assertThat(e.code()).isEqualTo("FW-870");
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.getMessage()).contains(key + "='" + value + "'", "given values", says, "(FW-870)");
  }
}
