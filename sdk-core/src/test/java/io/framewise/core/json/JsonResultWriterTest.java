package io.framewise.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.BoundingBox;
import io.framewise.Detection;
import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.JobError;
import io.framewise.ModelFormat;
import io.framewise.ModelInfo;
import io.framewise.VideoInfo;
import io.framewise.testkit.ResultSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonResultWriterTest {

  private static final VideoInfo VIDEO = new VideoInfo("upload.mp4", 768, 432, 10, "h264", 139400, 1394);
  private static final ModelInfo MODEL = new ModelInfo("yolox_nano", ModelFormat.YOLOX, 416, 416, List.of("person", "bicycle"));

  @Test
  void document_hasTheContractLayout_oneFramePerLine() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonResultWriter w = new JsonResultWriter(out)) {
      w.begin(VIDEO, MODEL);
      w.frame(new FrameDetections(0, 0, List.of(
          new Detection(0, "person", 0.87314, new BoundingBox(12.5, 40, 200.1, 430)))));
      w.frame(new FrameDetections(1, 100, List.of()));
      w.end(new DetectionSummary(2, 2, 0, 1, true, List.of()));
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(
        "{\"schemaVersion\":1,"
            + "\"video\":{\"source\":\"upload.mp4\",\"width\":768,\"height\":432,\"frameRate\":10.0,\"codec\":\"h264\",\"durationMs\":139400.0},"
            + "\"model\":{\"name\":\"yolox_nano\",\"format\":\"yolox\",\"inputWidth\":416,\"inputHeight\":416,\"labels\":[\"person\",\"bicycle\"]},"
            + "\"frames\":[\n"
            + "{\"frameId\":0,\"ptsMs\":0.0,\"detections\":[{\"classId\":0,\"label\":\"person\",\"score\":0.8731,"
            + "\"box\":{\"x1\":12.5,\"y1\":40.0,\"x2\":200.1,\"y2\":430.0}}]},\n"
            + "{\"frameId\":1,\"ptsMs\":100.0,\"detections\":[]}\n"
            + "],\"summary\":{\"framesDecoded\":2,\"framesProcessed\":2,\"framesFailed\":0,\"detections\":1,\"complete\":true,\"errors\":[]}}\n");
    assertThat(ResultSchema.problems(out.toByteArray())).isEmpty();
  }

  @Test
  void incompleteSummary_listsErrorsWithOptionalFields() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonResultWriter w = new JsonResultWriter(out)) {
      w.begin(VIDEO, MODEL);
      w.end(new DetectionSummary(1, 0, 1, 0, false, List.of(new JobError("FW-105", "packet failed", null, 1500.25))));
    }
    String json = out.toString(StandardCharsets.UTF_8);
    assertThat(json).contains("\"frames\":[]")
        .contains("\"complete\":false")
        .contains("{\"code\":\"FW-105\",\"message\":\"packet failed\",\"ptsMs\":1500.25}");
    assertThat(ResultSchema.problems(out.toByteArray())).isEmpty();
  }

  @Test
  void closeWithoutEnd_leavesDocumentUnterminated_andNeverClosesTheTarget() throws IOException {
    boolean[] closed = {false};
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OutputStream target = new OutputStream() {
      @Override
      public void write(int b) {
        bytes.write(b);
      }

      @Override
      public void close() {
        closed[0] = true;
      }
    };
    try (JsonResultWriter w = new JsonResultWriter(target)) {
      w.begin(VIDEO, MODEL);
      w.frame(new FrameDetections(0, 0, List.of()));
    }
    String json = bytes.toString(StandardCharsets.UTF_8);
    assertThat(json).startsWith("{\"schemaVersion\":1").contains("\"frameId\":0").doesNotContain("summary");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new com.fasterxml.jackson.databind.ObjectMapper().readTree(json))
        .isInstanceOf(IOException.class);
    assertThat(closed[0]).isFalse();
  }
}
