package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.framewise.DataSize;
import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.ResourceLimitException;
import io.framewise.VideoDetector;
import io.framewise.testkit.CraftedModel;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, section 7: the budget counts the model. A real ONNX model with 48 MiB of weights (built by
 * the test kit) is counted by its size; a budget it cannot fit refuses the job with FW-300 before the
 * model is loaded, saying what to change; a budget it fits runs the job. (Estimate against measured
 * RSS: benchmarks' budget-table.)
 */
class HostileModelMemoryTest {

  @TempDir static Path dir;
  static Path video;
  static Path model;

  @BeforeAll
  static void setUp() {
    video = SyntheticVideo.builder().size(64, 64).objectSize(16).frames(5).build().write(dir.resolve("clip.mp4"));
    model = CraftedModel.builder(64, 64).output("output0", new float[7 * 4], 1, 7, 4).metadata("names", CraftedModel.names(3))
        .ballast(48L << 20).build().write(dir.resolve("heavy.onnx"));
  }

  @Test
  void adapter_countsTheModelFile_andWorkingMemoryGrowsWithBatch() throws Exception {
    long file = Files.size(model);
    assertThat(file).isGreaterThan(48L << 20);
    try (OnnxModelAdapter a = OnnxModelAdapter.open(ModelSpec.builder(model).build(), 1)) {
      assertThat(a.loadedBytes()).isGreaterThanOrEqualTo(file);
      assertThat(new OnnxModelAdapterProvider().loadingBytes(ModelSpec.builder(model).build())).isGreaterThanOrEqualTo(2 * file);
      assertThat(a.workingBytes(1)).isGreaterThan(3L * 64 * 64 * Float.BYTES * 2);
    }
  }

  @Test
  void budgetTooSmallForTheModel_isRefusedBeforeAnyWork() {
    Path out = dir.resolve("refused.json");
    ResourceLimitException e = catchThrowableOfType(
        () -> VideoDetector.open(video).model(model).maxHeap(DataSize.ofMebibytes(200)).writeJson(out), ResourceLimitException.class);
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("FW-300");
    assertThat(e.getMessage()).contains("clip.mp4").contains("heavy.onnx").contains("maxHeap is 200MiB")
        .contains("raise maxHeap to at least").contains("use a smaller model");
    assertThat(out).doesNotExist();
  }

  @Test
  void budgetThatFits_runs() {
    DetectionSummary s = VideoDetector.open(video).model(model).maxHeap(DataSize.ofMebibytes(600)).writeJson(new ByteArrayOutputStream());
    assertThat(s.complete()).isTrue();
    assertThat(s.framesProcessed()).isEqualTo(5);
  }
}
