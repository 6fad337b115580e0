package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DetectionSummary;
import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.ResizeMode;
import io.framewise.VideoDetector;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real detectors on real clips from FRAMEWISE_TESTDATA, against the reference outputs. */
class RealModelsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @EnumSource(ResizeMode.class)
  void yoloxNano_personVideo_matchesReference(ResizeMode resize) throws Exception {
    Path model = TestData.file("models/yolox_nano.onnx");
    Path video = TestData.file("videos/one-by-one-person-detection.mp4");
    JsonNode golden = JSON.readTree(TestData.file("golden/yolox_nano__one-by-one-person-detection.json").toFile());

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = VideoDetector.open(video)
        .model(ModelSpec.builder(model).labelsFile(TestData.file("labels/coco.names")).resize(resize).build())
        .confidence(0.25)
        .iou(0.45)
        .writeJson(out);
    JsonNode ours = JSON.readTree(out.toByteArray());

    assertThat(summary.complete()).isTrue();
    assertThat(ours.at("/model/format").asText()).isEqualTo("yolox");
    assertSameFrames(golden, ours);
    GoldenComparison cmp = GoldenComparison.compare(golden, ours);
    System.out.printf("yolox_nano (resize %s): recall %.4f (%d/%d), precision %.4f (%d/%d)%n", resize, cmp.recall(), cmp.matchedReference(),
        cmp.referenceBoxes(), cmp.precision(), cmp.matchedOurs(), cmp.ourBoxes());
    assertThat(cmp.referenceBoxes()).isGreaterThan(100);
    assertThat(cmp.recall()).isGreaterThanOrEqualTo(0.95);
    assertThat(cmp.precision()).isGreaterThanOrEqualTo(0.95);
    assertThat(ours.at("/frames/0/detections/0/label").asText()).isNotBlank();
    JsonSchemaCheck.assertValid(out.toByteArray());
  }

  @Test
  void rfb320_aslWalk_matchesReference() throws Exception {
    Path model = TestData.file("models/version-RFB-320.onnx");
    Path video = TestData.file("videos/asl_walk.mkv");
    JsonNode golden = JSON.readTree(TestData.file("golden/version-RFB-320__asl_walk.json").toFile());

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = VideoDetector.open(video)
        .model(ModelSpec.builder(model).labels(List.of("face")).build())
        .writeJson(out);
    JsonNode ours = JSON.readTree(out.toByteArray());

    assertThat(summary.complete()).isTrue();
    assertThat(ours.at("/model/format").asText()).isEqualTo("ssd");
    assertThat(ours.at("/model/inputWidth").asInt()).isEqualTo(320);
    assertThat(ours.at("/model/inputHeight").asInt()).isEqualTo(240);
    assertSameFrames(golden, ours);
    GoldenComparison cmp = GoldenComparison.compare(golden, ours);
    System.out.printf("RFB-320: recall %.4f (%d/%d), precision %.4f (%d/%d)%n", cmp.recall(), cmp.matchedReference(),
        cmp.referenceBoxes(), cmp.precision(), cmp.matchedOurs(), cmp.ourBoxes());
    assertThat(cmp.referenceBoxes()).isGreaterThan(50);
    assertThat(cmp.recall()).isGreaterThanOrEqualTo(0.95);
    assertThat(cmp.precision()).isGreaterThanOrEqualTo(0.95);
    assertThat(ours.at("/frames/0/detections/0/label").asText()).isEqualTo("face");
    JsonSchemaCheck.assertValid(out.toByteArray());
  }

  @Test
  void xvidAvi_decodesEveryFrame() {
    Path model = TestData.file("models/yolox_nano.onnx");
    Path video = TestData.file("videos/mmaction2_test_xvid.avi");
    List<Long> ids = new ArrayList<>();
    AtomicLong lastPts = new AtomicLong(-1);
    DetectionSummary summary = VideoDetector.open(video)
        .model(ModelSpec.builder(model).format(ModelFormat.YOLOX).build())
        .run(frame -> {
          ids.add(frame.frameId());
          assertThat((long) (frame.ptsMs() * 1000)).isGreaterThan(lastPts.get());
          lastPts.set((long) (frame.ptsMs() * 1000));
        });
    assertThat(summary.complete()).isTrue();
    assertThat(summary.framesDecoded()).isEqualTo(164);
    assertThat(ids).hasSize(164);
    for (int i = 0; i < ids.size(); i++) {
      assertThat(ids.get(i)).isEqualTo(i);
    }
  }

  private static void assertSameFrames(JsonNode golden, JsonNode ours) {
    assertThat(ours.get("frames").size()).isEqualTo(golden.get("frames").size());
    for (int i = 0; i < golden.get("frames").size(); i++) {
      assertThat(ours.get("frames").get(i).get("frameId").asLong()).isEqualTo(golden.get("frames").get(i).get("frameId").asLong());
    }
  }
}
