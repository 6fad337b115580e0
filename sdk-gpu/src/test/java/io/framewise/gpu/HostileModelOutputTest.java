package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DetectionSummary;
import io.framewise.ModelException;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.testkit.CraftedModel;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, section 5: model outputs that are not numbers. Each model is built by the test kit
 * ({@link CraftedModel}: the outputs are exactly the values given) and run through the real pipeline
 * (FFmpeg, ONNX Runtime) on a generated video. A value no working detector produces (NaN, an infinity,
 * a score above 1, a class beyond the labels) ends the job with a {@link ModelException} whose code
 * says which, and whose message names the model file and the frame; no output looks complete.
 */
class HostileModelOutputTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SIZE = 64;

  @TempDir static Path dir;
  static Path video;

  @BeforeAll
  static void setUp() {
    // 64x64 fills the 64x64 input (no letterbox padding), so empty frames (6, 13, ...) reach the model as all zeros.
    video = SyntheticVideo.builder().size(SIZE, SIZE).objectSize(16).frames(10).build().write(dir.resolve("clip.mp4"));
  }

  /** YOLOv8 {@code [1, 4+nc, n]} with one candidate in row 0: a box at the centre, class {@code cls} at {@code score}. */
  private static float[] yolov8(int classes, int n, float cx, float cy, float w, float h, int cls, float score) {
    float[] v = new float[(4 + classes) * n];
    v[0] = cx;
    v[n] = cy;
    v[2 * n] = w;
    v[3 * n] = h;
    v[(4 + cls) * n] = score;
    return v;
  }

  private static Path yolov8Model(String name, float[] values, int classes, int n) {
    return CraftedModel.builder(SIZE, SIZE).output("output0", values, 1, 4 + classes, n)
        .metadata("names", CraftedModel.names(classes)).build().write(dir.resolve(name));
  }

  @Test
  void nanBoxCoordinate_isModelErrorNamingModelAndFrame() throws IOException {
    Path model = yolov8Model("nan-box.onnx", yolov8(3, 4, Float.NaN, 32, 16, 16, 1, 0.9f), 3, 4);
    ModelException e = failsCleanly(model, UnaryOperator.identity());
    assertThat(e.code()).isEqualTo("FW-206");
    assertThat(e.path()).isEqualTo(model);
    assertThat(e.getMessage()).contains("nan-box.onnx").contains("frame 0 ").contains("not a finite number")
        .contains("output0").contains("cx NaN").doesNotContain("IllegalArgumentException");
  }

  @Test
  void infiniteBoxCoordinate_isModelError() throws IOException {
    Path model = yolov8Model("inf-box.onnx", yolov8(3, 4, 32, 32, Float.POSITIVE_INFINITY, 16, 0, 0.9f), 3, 4);
    ModelException e = failsCleanly(model, UnaryOperator.identity());
    assertThat(e.code()).isEqualTo("FW-206");
    assertThat(e.getMessage()).contains("inf-box.onnx").contains("frame 0 ").contains("w Infinity");
  }

  @Test
  void nanScore_isModelError_evenBelowNothing() throws IOException {
    // A NaN score compares false with every threshold: it used to vanish silently.
    Path model = yolov8Model("nan-score.onnx", yolov8(3, 4, 32, 32, 16, 16, 2, Float.NaN), 3, 4);
    ModelException e = failsCleanly(model, UnaryOperator.identity());
    assertThat(e.code()).isEqualTo("FW-206");
    assertThat(e.getMessage()).contains("nan-score.onnx").contains("class 2 score of row 0 is NaN");
  }

  @Test
  void infiniteScore_isModelError() throws IOException {
    Path model = yolov8Model("inf-score.onnx", yolov8(3, 4, 32, 32, 16, 16, 2, Float.POSITIVE_INFINITY), 3, 4);
    ModelException e = failsCleanly(model, UnaryOperator.identity());
    assertThat(e.code()).isEqualTo("FW-206");
    assertThat(e.getMessage()).contains("inf-score.onnx").contains("Infinity");
  }

  @Test
  void scoreAboveOne_isModelError_notClamped() throws IOException {
    Path model = yolov8Model("score-1.5.onnx", yolov8(3, 4, 32, 32, 16, 16, 0, 1.5f), 3, 4);
    ModelException e = failsCleanly(model, UnaryOperator.identity());
    assertThat(e.code()).isEqualTo("FW-207");
    assertThat(e.getMessage()).contains("score-1.5.onnx").contains("frame 0 ").contains("1.5").contains("above 1");
  }

  @Test
  void scoreAboveOne_withInferenceThreadsAndBatch_sameError() throws IOException {
    Path model = yolov8Model("score-1.5-pool.onnx", yolov8(3, 4, 32, 32, 16, 16, 0, 1.5f), 3, 4);
    ModelException e = failsCleanly(model, j -> j.parallelism(2));
    assertThat(e.code()).isEqualTo("FW-207");
    assertThat(e.getMessage()).contains("score-1.5-pool.onnx").contains("frame 0 ");
  }

  @Test
  void nanOnOneFrame_namesThatFrame() throws IOException {
    // Finite detections on every frame but the first empty one (frame 6, all black: 0/0 in the graph).
    Path model = CraftedModel.builder(SIZE, SIZE).output("output0", yolov8(3, 4, 32, 32, 16, 16, 0, 0.9f), 1, 7, 4)
        .metadata("names", CraftedModel.names(3)).nanOnBlackFrames().build().write(dir.resolve("nan-on-frame-6.onnx"));
    ModelException e = failsCleanly(model, UnaryOperator.identity());
    assertThat(e.code()).isEqualTo("FW-206");
    assertThat(e.getMessage()).contains("nan-on-frame-6.onnx").contains("frame 6 (600.0 ms)");
  }

  @Test
  void yoloxExpOverflow_isModelError() throws IOException {
    // YOLOX head at 64x64: 8x8 + 4x4 + 2x2 = 84 rows of [x, y, w, h, obj, 3 classes]; wh = exp(100) overflows.
    float[] v = new float[84 * 8];
    v[0] = 0.5f;
    v[1] = 0.5f;
    v[2] = 100f;
    v[3] = 1f;
    v[4] = 0.9f;
    v[5] = 0.9f;
    Path model = CraftedModel.builder(SIZE, SIZE).output("output", v, 1, 84, 8).metadata("framewise.format", "yolox")
        .build().write(dir.resolve("yolox-exp.onnx"));
    ModelException e = failsCleanly(model, UnaryOperator.identity());
    assertThat(e.code()).isEqualTo("FW-206");
    assertThat(e.getMessage()).contains("yolox-exp.onnx").contains("w Infinity,").contains("after decoding");
  }

  @Test
  void end2endClassBeyondLabels_isModelError() throws IOException {
    float[] v = new float[6 * 5];
    float[] row = {16, 16, 48, 48, 0.9f, 7};
    System.arraycopy(row, 0, v, 0, 6);
    Path model = CraftedModel.builder(SIZE, SIZE).output("output0", v, 1, 5, 6).metadata("end2end", "True")
        .metadata("names", CraftedModel.names(3)).build().write(dir.resolve("class-7-of-3.onnx"));
    ModelException e = failsCleanly(model, UnaryOperator.identity());
    assertThat(e.code()).isEqualTo("FW-208");
    assertThat(e.getMessage()).contains("class-7-of-3.onnx").contains("frame 0 ").contains("class 7").contains("3 label(s)");
  }

  @Test
  void end2endNanOrNegativeClass_isModelError() throws IOException {
    float[] v = new float[6 * 5];
    System.arraycopy(new float[] {16, 16, 48, 48, 0.9f, Float.NaN}, 0, v, 0, 6);
    Path nan = CraftedModel.builder(SIZE, SIZE).output("output0", v, 1, 5, 6).metadata("end2end", "True")
        .build().write(dir.resolve("class-nan.onnx"));
    assertThat(failsCleanly(nan, UnaryOperator.identity()).code()).isEqualTo("FW-206"); // Math.round(NaN) used to make it class 0
    v[5] = -3;
    Path negative = CraftedModel.builder(SIZE, SIZE).output("output0", v, 1, 5, 6).metadata("end2end", "True")
        .build().write(dir.resolve("class-negative.onnx"));
    ModelException e = failsCleanly(negative, UnaryOperator.identity());
    assertThat(e.code()).isEqualTo("FW-208");
    assertThat(e.getMessage()).contains("class-negative.onnx").contains("-3.0, not a class id");
  }

  @Test
  void fewerLabelsThanClasses_refusedAtLoad() throws IOException {
    Path model = yolov8Model("eighty.onnx", yolov8(80, 4, 32, 32, 16, 16, 50, 0.9f), 80, 4);
    Path labels = Files.writeString(dir.resolve("three.names"), "a\nb\nc\n");
    Path out = dir.resolve("labels-out.json");
    ModelException e = catchThrowableOfType(() -> VideoDetector.open(video)
        .model(ModelSpec.builder(model).labelsFile(labels).build()).writeJson(out), ModelException.class);
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("FW-208");
    assertThat(e.getMessage()).contains("eighty.onnx").contains("80 classes").contains("three.names").contains("names 3");
    assertThat(out).doesNotExist();
  }

  @Test
  void finiteOutput_passesUnchanged() throws IOException {
    // The control: the same crafted model with ordinary values gives the box it was told to, on every frame.
    Path model = yolov8Model("fine.onnx", yolov8(3, 4, 32, 32, 16, 16, 1, 0.75f), 3, 4);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary s = VideoDetector.open(video).model(model).writeJson(out);
    assertThat(s.complete()).isTrue();
    JsonNode d = JSON.readTree(out.toByteArray()).at("/frames/9/detections/0");
    assertThat(d.at("/classId").asInt()).isEqualTo(1);
    assertThat(d.at("/score").asDouble()).isEqualTo(0.75);
    assertThat(d.at("/box/x1").asDouble()).isEqualTo(24.0);
  }

  /**
   * Issue 8: the auto-detection called a YOLOv8-layout model ({@code [1,84,16]}, 64x64 input,
   * Ultralytics metadata with 80 names) a YOLOX head with 11 classes (84 = 8x8 + 4x4 + 2x2 grid cells).
   * The class count the metadata fixes wins over grid arithmetic.
   */
  @Test
  void yolov8WithGridSizedChannels_ultralyticsNames_isYolov8With80Classes() throws IOException {
    float[] v = yolov8(80, 16, 32, 32, 16, 16, 42, 0.8f);
    Path model = CraftedModel.builder(SIZE, SIZE).output("output0", v, 1, 84, 16)
        .metadata("author", "Ultralytics").metadata("task", "detect").metadata("stride", "32")
        .metadata("imgsz", "[64, 64]").metadata("names", CraftedModel.names(80)).build().write(dir.resolve("yolov8-84x16.onnx"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary s = VideoDetector.open(video).model(model).writeJson(out);
    JsonNode doc = JSON.readTree(out.toByteArray());
    assertThat(s.complete()).isTrue();
    assertThat(doc.at("/model/format").asText()).isEqualTo("yolov8");
    assertThat(doc.at("/model/labels").size()).isEqualTo(80);
    JsonNode d = doc.at("/frames/3/detections/0");
    assertThat(d.at("/classId").asInt()).isEqualTo(42);
    assertThat(d.at("/label").asText()).isEqualTo("class42");
    assertThat(doc.at("/frames/3/detections").size()).isEqualTo(1);
  }

  /**
   * A chunked job fails as the unchunked one does: a refused model output is not a passing fault, so
   * the segment is not retried and the job ends with the same ModelException, naming the same frame.
   */
  @Test
  void chunked_badOutput_failsAsTheUnchunkedRunDoes() throws IOException {
    Path model = yolov8Model("score-2-chunked.onnx", yolov8(3, 4, 32, 32, 16, 16, 0, 2f), 3, 4);
    ModelException unchunked = failsCleanly(model, j -> j);
    ModelException chunked = failsCleanly(model, j -> j.chunkSize(Duration.ofMillis(500)).parallelism(2));
    assertThat(chunked.code()).isEqualTo("FW-207").isEqualTo(unchunked.code());
    assertThat(chunked.getMessage()).isEqualTo(unchunked.getMessage()).contains("score-2-chunked.onnx");
  }

  private static ModelException failsCleanly(Path model, UnaryOperator<io.framewise.DetectionJob> options) throws IOException {
    Path out = dir.resolve("out-" + model.getFileName() + ".json");
    ModelException e = catchThrowableOfType(() -> options.apply(VideoDetector.open(video).model(model)).writeJson(out),
        ModelException.class);
    assertThat(e).as("expected a ModelException").isNotNull();
    assertThat(out).doesNotExist();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    ModelException again = catchThrowableOfType(() -> options.apply(VideoDetector.open(video).model(model)).writeJson(stream),
        ModelException.class);
    assertThat(again).isNotNull();
    assertThat(again.code()).isEqualTo(e.code());
    assertThat(stream.toString(StandardCharsets.UTF_8)).doesNotContain("summary");
    return e;
  }
}
