package io.framewise.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SyntheticDetectorTest {

  private static final Offset<Float> EXACT = within(1e-4f);
  /** SSD maps black to (-127/128 + 1) / 2 = 0.0039, not exactly 0. */
  private static final Offset<Float> LOOSE = within(0.01f);

  private static OrtEnvironment env;
  private static OrtSession.SessionOptions options;

  @TempDir Path dir;

  @BeforeAll
  static void setUp() throws OrtException {
    env = OrtEnvironment.getEnvironment();
    options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
  }

  @AfterAll
  static void tearDown() {
    options.close();
  }

  /** A scene in grid cells: red at (2, 1), green at (gw - 1, gh - 1), blue at (0, gh - 1). */
  private record Scene(int gw, int gh) {
    int redCell() {
      return 1 * gw + 2;
    }

    int greenCell() {
      return (gh - 1) * gw + gw - 1;
    }

    int blueCell() {
      return (gh - 1) * gw;
    }

    int blackCell() {
      return 0;
    }

    /** Returns an RGB image, 0..255, as [channel][y][x] values for a W x H input. */
    float[][][] rgb(int width, int height, int cell) {
      float[][][] img = new float[3][height][width];
      fill(img, 0, 2, 1, cell);
      fill(img, 1, gw - 1, gh - 1, cell);
      fill(img, 2, 0, gh - 1, cell);
      return img;
    }

    private static void fill(float[][][] img, int channel, int gx, int gy, int cell) {
      for (int y = gy * cell; y < (gy + 1) * cell; y++) {
        for (int x = gx * cell; x < (gx + 1) * cell; x++) {
          img[channel][y][x] = 255f;
        }
      }
    }
  }

  /** Packs the scene as the family's NCHW input: channel order and scaling per family. */
  private static float[] input(SyntheticDetector d) {
    int w = d.inputWidth();
    int h = d.inputHeight();
    float[][][] rgb = new Scene(d.gridWidth(), d.gridHeight()).rgb(w, h, d.cell());
    float[] out = new float[3 * h * w];
    for (int c = 0; c < 3; c++) {
      int src = d.family() == SyntheticFamily.YOLOX ? 2 - c : c;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float v = rgb[src][y][x];
          out[(c * h + y) * w + x] = switch (d.family()) {
            case YOLOV8, YOLOV5, END2END -> v / 255f;
            case YOLOX -> v;
            case SSD -> (v - 127f) / 128f;
          };
        }
      }
    }
    return out;
  }

  /** Runs the model on its scene and returns the outputs by name, as [1][a][b] arrays. */
  private static Map<String, float[][][]> run(SyntheticDetector d) throws OrtException {
    try (OrtSession session = env.createSession(d.toBytes(), options);
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input(d)),
            new long[] {1, 3, d.inputHeight(), d.inputWidth()});
        OrtSession.Result r = session.run(Map.of(d.inputName(), in))) {
      assertThat(session.getOutputNames()).containsExactlyElementsOf(d.outputNames());
      Map<String, float[][][]> out = new LinkedHashMap<>();
      for (String name : d.outputNames()) {
        out.put(name, (float[][][]) r.get(name).orElseThrow().getValue());
      }
      return out;
    }
  }

  private static float[] column(float[][] rows, int index) {
    float[] c = new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      c[i] = rows[i][index];
    }
    return c;
  }

  private static float[] cellRect(SyntheticDetector d, int index) {
    int gx = index % d.gridWidth();
    int gy = index / d.gridWidth();
    int c = d.cell();
    return new float[] {gx * c, gy * c, (gx + 1) * c, (gy + 1) * c};
  }

  private static void assertScores(float[] scores, int expectedClass, Offset<Float> tol) {
    for (int k = 0; k < 3; k++) {
      assertThat(scores[k]).as("class %d", k).isCloseTo(k == expectedClass ? 1f : 0f, tol);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void yolov8_outputsCellBoxesAndChannelMeans() throws OrtException {
    SyntheticDetector d = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build();
    Scene s = new Scene(d.gridWidth(), d.gridHeight());

    float[][] out = run(d).get("output0")[0];

    assertThat(d.anchors()).isEqualTo(100);
    assertThat(out.length).isEqualTo(7);
    assertThat(out[0].length).isEqualTo(100);
    int red = s.redCell();
    assertThat(out[0][red]).isEqualTo(160f);
    assertThat(out[1][red]).isEqualTo(96f);
    assertThat(out[2][red]).isEqualTo(64f);
    assertThat(out[3][red]).isEqualTo(64f);
    assertScores(new float[] {out[4][red], out[5][red], out[6][red]}, 0, EXACT);
    int green = s.greenCell();
    assertScores(new float[] {out[4][green], out[5][green], out[6][green]}, 1, EXACT);
    int blue = s.blueCell();
    assertThat(out[0][blue]).isEqualTo(32f);
    assertThat(out[1][blue]).isEqualTo(608f);
    assertScores(new float[] {out[4][blue], out[5][blue], out[6][blue]}, 2, EXACT);
    int black = s.blackCell();
    assertScores(new float[] {out[4][black], out[5][black], out[6][black]}, -1, EXACT);
  }

  @Test
  void yolov5_outputsCellBoxesObjectnessAndScores() throws OrtException {
    SyntheticDetector d = SyntheticDetector.builder(SyntheticFamily.YOLOV5).build();
    Scene s = new Scene(d.gridWidth(), d.gridHeight());

    float[][] out = run(d).get("output")[0];

    assertThat(out.length).isEqualTo(100);
    assertThat(out[0].length).isEqualTo(8);
    float[] red = out[s.redCell()];
    assertThat(red).containsExactly(new float[] {80f, 48f, 32f, 32f, 1f, 1f, 0f, 0f}, EXACT);
    assertThat(out[s.greenCell()]).containsExactly(
        new float[] {304f, 304f, 32f, 32f, 1f, 0f, 1f, 0f}, EXACT);
    assertThat(out[s.blueCell()]).containsExactly(
        new float[] {16f, 304f, 32f, 32f, 1f, 0f, 0f, 1f}, EXACT);
    assertThat(out[s.blackCell()]).containsExactly(
        new float[] {16f, 16f, 32f, 32f, 1f, 0f, 0f, 0f}, EXACT);
  }

  @Test
  void yolox_stride32LevelDecodesToCellBoxes_finerLevelsZero() throws OrtException {
    SyntheticDetector d = SyntheticDetector.builder(SyntheticFamily.YOLOX).build();
    Scene s = new Scene(d.gridWidth(), d.gridHeight());

    float[][] out = run(d).get("output")[0];

    int fine = 40 * 40 + 20 * 20;
    assertThat(d.anchors()).isEqualTo(fine + 100);
    assertThat(out.length).isEqualTo(2100);
    assertThat(out[0].length).isEqualTo(8);
    for (int i = 0; i < fine; i++) {
      assertThat(out[i]).as("row %d", i).containsOnly(0f);
    }
    float[] red = out[fine + s.redCell()];
    assertThat(red).containsExactly(new float[] {0.5f, 0.5f, 0f, 0f, 1f, 1f, 0f, 0f}, EXACT);
    assertThat(out[fine + s.greenCell()]).containsExactly(
        new float[] {0.5f, 0.5f, 0f, 0f, 1f, 0f, 1f, 0f}, EXACT);
    assertThat(out[fine + s.blueCell()]).containsExactly(
        new float[] {0.5f, 0.5f, 0f, 0f, 1f, 0f, 0f, 1f}, EXACT);
    // Megvii decoding: xy = (xy + grid) * stride, wh = exp(wh) * stride.
    int gx = s.redCell() % d.gridWidth();
    int gy = s.redCell() / d.gridWidth();
    assertThat((red[0] + gx) * 32).isEqualTo(80f);
    assertThat((red[1] + gy) * 32).isEqualTo(48f);
    assertThat(Math.exp(red[2]) * 32).isEqualTo(32.0);
  }

  @Test
  void ssd_outputsBackgroundColumnScoresAndNormalisedBoxes() throws OrtException {
    SyntheticDetector d = SyntheticDetector.builder(SyntheticFamily.SSD).build();
    Scene s = new Scene(d.gridWidth(), d.gridHeight());

    Map<String, float[][][]> out = run(d);
    float[][] scores = out.get("scores")[0];
    float[][] boxes = out.get("boxes")[0];

    assertThat(d.gridWidth()).isEqualTo(10);
    assertThat(d.gridHeight()).isEqualTo(6);
    assertThat(scores.length).isEqualTo(60);
    assertThat(scores[0].length).isEqualTo(4);
    assertThat(boxes.length).isEqualTo(60);
    assertThat(boxes[0].length).isEqualTo(4);
    assertThat(column(scores, 0)).containsOnly(0f);
    int red = s.redCell();
    assertScores(new float[] {scores[red][1], scores[red][2], scores[red][3]}, 0, LOOSE);
    int green = s.greenCell();
    assertScores(new float[] {scores[green][1], scores[green][2], scores[green][3]}, 1, LOOSE);
    int blue = s.blueCell();
    assertScores(new float[] {scores[blue][1], scores[blue][2], scores[blue][3]}, 2, LOOSE);
    assertThat(scores[red][1]).isEqualTo(1f);
    assertThat(boxes[red]).containsExactly(
        new float[] {64f / 320, 32f / 192, 96f / 320, 64f / 192}, EXACT);
    assertThat(boxes[green]).containsExactly(new float[] {0.9f, 160f / 192, 1f, 1f}, EXACT);
  }

  @Test
  void end2end_outputsXyxyScoreAndClass() throws OrtException {
    SyntheticDetector d = SyntheticDetector.builder(SyntheticFamily.END2END).build();
    Scene s = new Scene(d.gridWidth(), d.gridHeight());

    float[][] out = run(d).get("output0")[0];

    assertThat(out.length).isEqualTo(60);
    assertThat(out[0].length).isEqualTo(6);
    assertThat(out[s.redCell()]).containsExactly(
        new float[] {128f, 64f, 192f, 128f, 1f, 0f}, EXACT);
    assertThat(out[s.greenCell()]).containsExactly(
        new float[] {576f, 320f, 640f, 384f, 1f, 1f}, EXACT);
    assertThat(out[s.blueCell()]).containsExactly(
        new float[] {0f, 320f, 64f, 384f, 1f, 2f}, EXACT);
    assertThat(out[s.blackCell()]).containsExactly(new float[] {0f, 0f, 64f, 64f, 0f, 0f}, EXACT);
  }

  @ParameterizedTest
  @EnumSource(SyntheticFamily.class)
  void everyFamily_customSize_boxesMatchCells(SyntheticFamily family) throws OrtException {
    SyntheticDetector d = SyntheticDetector.builder(family).inputSize(384, 256).cell(32).build();
    Scene s = new Scene(d.gridWidth(), d.gridHeight());

    Map<String, float[][][]> out = run(d);

    int red = s.redCell();
    float[] rect = cellRect(d, red);
    assertThat(rect).containsExactly(64f, 32f, 96f, 64f);
    float[] row = switch (family) {
      case YOLOV8 -> column(out.get("output0")[0], red);
      case YOLOV5 -> out.get("output")[0][red];
      case YOLOX -> out.get("output")[0][d.anchors() - d.gridWidth() * d.gridHeight() + red];
      case SSD -> out.get("boxes")[0][red];
      case END2END -> out.get("output0")[0][red];
    };
    float[] decoded = switch (family) {
      case YOLOV8, YOLOV5 -> new float[] {row[0] - row[2] / 2, row[1] - row[3] / 2,
          row[0] + row[2] / 2, row[1] + row[3] / 2};
      case YOLOX -> {
        float cx = (row[0] + 2) * 32;
        float cy = (row[1] + 1) * 32;
        float w = (float) Math.exp(row[2]) * 32;
        float h = (float) Math.exp(row[3]) * 32;
        yield new float[] {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
      }
      case SSD -> new float[] {row[0] * 384, row[1] * 256, row[2] * 384, row[3] * 256};
      case END2END -> new float[] {row[0], row[1], row[2], row[3]};
    };
    assertThat(decoded).containsExactly(rect, within(1e-3f));
  }

  @ParameterizedTest
  @EnumSource(SyntheticFamily.class)
  void dynamicInput_symbolicHeightAndWidth_stillRunsAtBuiltSize(SyntheticFamily family)
      throws OrtException {
    SyntheticDetector d = SyntheticDetector.builder(family).dynamicInput(true).build();

    try (OrtSession session = env.createSession(d.toBytes(), options)) {
      NodeInfo info = session.getInputInfo().get(d.inputName());
      TensorInfo tensor = (TensorInfo) info.getInfo();
      assertThat(tensor.getShape()).containsExactly(1, 3, -1, -1);
      assertThat(tensor.getDimensionNames()).containsExactly("", "", "height", "width");
    }
    Map<String, float[][][]> out = run(d);
    float[][][] first = out.values().iterator().next();
    int rows = family == SyntheticFamily.YOLOV8 ? first[0][0].length : first[0].length;
    assertThat(rows).isEqualTo(d.anchors());
  }

  @Test
  void metadata_yolov8_visibleInSession() throws OrtException {
    SyntheticDetector d = SyntheticDetector.builder(SyntheticFamily.YOLOV8)
        .inputSize(640, 640).cell(64).dynamicInput(false).metadata(true).build();

    try (OrtSession session = env.createSession(d.toBytes(), options)) {
      Map<String, String> meta = session.getMetadata().getCustomMetadata();
      assertThat(meta)
          .containsEntry("names", "{0: 'red', 1: 'green', 2: 'blue'}")
          .containsEntry("imgsz", "[640, 640]")
          .containsEntry("stride", "32")
          .containsEntry("task", "detect")
          .containsEntry("description", "Framewise synthetic YOLOv8-layout detector")
          .containsEntry("author", "Framewise")
          .hasSize(6);
      assertThat(session.getMetadata().getProducerName()).isEqualTo("framewise-testkit");
    }
  }

  @Test
  void metadata_perFamily() throws OrtException {
    assertThat(customMetadata(SyntheticDetector.builder(SyntheticFamily.YOLOV5).build()))
        .containsOnlyKeys("names", "stride");
    assertThat(customMetadata(SyntheticDetector.builder(SyntheticFamily.END2END).build()))
        .containsEntry("end2end", "True")
        .containsEntry("imgsz", "[384, 640]")
        .containsEntry("task", "detect")
        .containsKey("names");
    assertThat(customMetadata(SyntheticDetector.builder(SyntheticFamily.YOLOX).build())).isEmpty();
    assertThat(customMetadata(SyntheticDetector.builder(SyntheticFamily.YOLOX).metadata(true).build()))
        .containsExactly(Map.entry("framewise.format", "yolox"));
    assertThat(customMetadata(SyntheticDetector.builder(SyntheticFamily.SSD).metadata(true).build()))
        .isEmpty();
    assertThat(customMetadata(SyntheticDetector.builder(SyntheticFamily.YOLOV8).metadata(false).build()))
        .isEmpty();
  }

  private static Map<String, String> customMetadata(SyntheticDetector d) throws OrtException {
    try (OrtSession session = env.createSession(d.toBytes(), options)) {
      Map<String, String> meta = session.getMetadata().getCustomMetadata();
      assertThat(meta).isEqualTo(d.metadata());
      return meta;
    }
  }

  @Test
  void write_roundTripsBytes() throws Exception {
    SyntheticDetector d = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build();

    Path p = d.write(dir.resolve("m.onnx"));

    assertThat(Files.readAllBytes(p)).isEqualTo(d.toBytes());
    try (OrtSession session = env.createSession(p.toString(), options)) {
      assertThat(session.getInputNames()).containsExactly("images");
    }
  }

  @Test
  void accessorsAndDefaults() {
    for (SyntheticFamily f : SyntheticFamily.values()) {
      SyntheticDetector d = SyntheticDetector.builder(f).build();
      assertThat(d.family()).isEqualTo(f);
      assertThat(d.inputWidth()).isEqualTo(f.defaultWidth());
      assertThat(d.inputHeight()).isEqualTo(f.defaultHeight());
      assertThat(d.cell()).isEqualTo(f.defaultCell());
    }
    assertThat(SyntheticDetector.LABELS).containsExactly("red", "green", "blue");
    assertThat(SyntheticDetector.builder(SyntheticFamily.END2END).build())
        .extracting(SyntheticDetector::inputWidth, SyntheticDetector::inputHeight,
            SyntheticDetector::cell)
        .containsExactly(640, 384, 64);
  }

  @Test
  void build_invalidSettings_rejected() {
    assertThatThrownBy(() -> SyntheticDetector.builder(SyntheticFamily.YOLOX).cell(64).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(650, 640).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyntheticDetector.builder(SyntheticFamily.SSD).cell(0).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * End to end: decode a written video and run the END2END detector (input size = frame size,
   * cell = object size) on every frame; thresholded rows must be exactly the truth.
   */
  @Test
  void decodedVideo_end2endDetector_matchesTruthEveryFrame() throws Exception {
    SyntheticVideo v = SyntheticVideo.builder().frames(15).build();
    SyntheticDetector d = SyntheticDetector.builder(SyntheticFamily.END2END).build();
    Path p = v.write(dir.resolve("e2e.mp4"));
    int w = v.width();
    int h = v.height();

    int frames = 0;
    try (OrtSession session = env.createSession(d.toBytes(), options);
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.toFile())) {
      g.setPixelFormat(AV_PIX_FMT_BGR24);
      g.start();
      Frame f;
      while ((f = g.grabImage()) != null) {
        ByteBuffer buf = (ByteBuffer) f.image[0];
        float[] chw = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int o = y * f.imageStride + 3 * x;
            for (int c = 0; c < 3; c++) {
              chw[(c * h + y) * w + x] = (buf.get(o + 2 - c) & 0xff) / 255f; // BGR -> RGB
            }
          }
        }
        List<TruthBox> found = new ArrayList<>();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(chw), new long[] {1, 3, h, w});
            OrtSession.Result r = session.run(Map.of("images", in))) {
          float[][] rows = ((float[][][]) r.get(0).getValue())[0];
          for (float[] row : rows) {
            if (row[4] > 0.5f) {
              found.add(new TruthBox((int) row[5], row[0], row[1], row[2], row[3]));
            }
          }
        }
        found.sort(Comparator.comparingInt(TruthBox::classId));
        assertThat(found).as("frame %d", frames).isEqualTo(v.truth(frames));
        frames++;
      }
    }
    assertThat(frames).isEqualTo(15);
  }
}
