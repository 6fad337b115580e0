package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real clip on CUDA against the same clip on CPU. Runs with {@code -Pgpu} (which puts ONNX Runtime's
 * GPU build on the test class path); skips with a message on a machine without an NVIDIA driver or without
 * the GPU build, and fails when a driver is there but CUDA cannot start (FW-205 says why).
 */
@Tag("gpu")
class GpuRealClipTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeEach
  void requireGpu() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/driver/nvidia/version")),
        "no NVIDIA driver (/proc/driver/nvidia/version is missing): skipping the GPU test");
    assumeTrue(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "the ONNX Runtime on the class path has no CUDA provider (CPU build): run with -Pgpu");
  }

  @AfterEach
  void cpuAgain() {
    System.clearProperty("framewise.device");
    ModelCache.clear();
  }

  @Test
  void realClip_onCuda_matchesCpu() throws Exception {
    Path model = TestData.file("models/yolox_nano.onnx");
    Path video = TestData.file("videos/one-by-one-person-detection.mp4");
    Path labels = TestData.file("labels/coco.names");
    ModelSpec spec = ModelSpec.builder(model).labelsFile(labels).build();

    JsonNode cpu = run("cpu", video, spec, 1);
    JsonNode gpu = run("gpu", video, spec, 1);
    JsonNode gpuBatched = run("gpu", video, spec, 8);

    LoadedModel loaded = ModelCache.acquire(spec, 1, true);
    try {
      assertThat(loaded.device).as("the session's device").startsWith("CUDA");
    } finally {
      loaded.release();
    }
    for (JsonNode onGpu : new JsonNode[] {gpu, gpuBatched}) {
      assertThat(onGpu.at("/summary/complete").asBoolean()).isTrue();
      assertThat(onGpu.get("frames").size()).isEqualTo(cpu.get("frames").size()).isEqualTo(1394);
      for (int i = 0; i < cpu.get("frames").size(); i++) {
        assertThat(onGpu.at("/frames/" + i + "/frameId").asLong()).isEqualTo(cpu.at("/frames/" + i + "/frameId").asLong());
      }
      // Float results differ slightly between the CUDA and CPU kernels: boxes near the score threshold may
      // come and go, the rest match (same class, IoU >= 0.5).
      GoldenComparison cmp = GoldenComparison.compare(cpu, onGpu);
      System.out.printf("CUDA vs CPU: recall %.4f (%d/%d), precision %.4f (%d/%d)%n", cmp.recall(),
          cmp.matchedReference(), cmp.referenceBoxes(), cmp.precision(), cmp.matchedOurs(), cmp.ourBoxes());
      assertThat(cmp.referenceBoxes()).isGreaterThan(1000);
      assertThat(cmp.recall()).isGreaterThanOrEqualTo(0.99);
      assertThat(cmp.precision()).isGreaterThanOrEqualTo(0.99);
    }
  }

  private static JsonNode run(String device, Path video, ModelSpec spec, int batch) throws Exception {
    System.setProperty("framewise.device", device);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionJob job = VideoDetector.open(video).model(spec).batchSize(batch);
    DetectionSummary summary = job.writeJson(out);
    assertThat(summary.complete()).as("%s run complete", device).isTrue();
    return JSON.readTree(out.toByteArray());
  }
}
