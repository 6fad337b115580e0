package io.framewise.testkit;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A tiny ONNX "detector" with exact ground truth, laid out like one real detector family.
 *
 * <p>The model average-pools its input with kernel = stride = {@link #cell()}, so each grid cell
 * ({@code gh = H / cell} rows by {@code gw = W / cell} columns, {@code N = gh * gw}, row-major
 * index {@code gy * gw + gx}) gets the mean of each colour channel. The score of class {@code k}
 * in a cell is the mean of that class's colour (0 red, 1 green, 2 blue, see {@link #LABELS}),
 * scaled to [0, 1]; the boxes are constants, each exactly its cell's rectangle in input pixels. A
 * square of one pure colour filling one cell is therefore detected exactly on that cell with score
 * ~1, which is what a {@link SyntheticVideo} whose object size maps onto the cell provides. See
 * {@link SyntheticFamily} for each family's tensor names, input scaling and output layout.
 *
 * <p>All models use opset 13, IR version 7, float32 input {@code [1, 3, H, W]} (NCHW) and float32
 * outputs. Instances are immutable and thread-safe.
 */
public final class SyntheticDetector {

  /** The class labels, by class id: red, green, blue. */
  public static final List<String> LABELS = List.of("red", "green", "blue");

  /** The value of the {@code names} metadata entry, in Ultralytics' dict syntax. */
  public static final String NAMES_METADATA = "{0: 'red', 1: 'green', 2: 'blue'}";

  private static final int CLASSES = LABELS.size();
  private static final int[] YOLOX_STRIDES = {8, 16, 32};

  private final SyntheticFamily family;
  private final int inputWidth;
  private final int inputHeight;
  private final int cell;
  private final boolean dynamicInput;
  private final boolean dynamicBatch;
  private final Map<String, String> metadata;
  private final byte[] bytes;

  private SyntheticDetector(SyntheticFamily family, int inputWidth, int inputHeight, int cell,
      boolean dynamicInput, boolean dynamicBatch, boolean withMetadata) {
    this.dynamicBatch = dynamicBatch;
    this.family = family;
    this.inputWidth = inputWidth;
    this.inputHeight = inputHeight;
    this.cell = cell;
    this.dynamicInput = dynamicInput;
    this.metadata = withMetadata ? Collections.unmodifiableMap(metadataFor()) : Map.of();
    this.bytes = buildModel().toByteArray();
  }

  /**
   * Starts a detector of the given family with that family's default input size and cell.
   *
   * @param family the output layout to imitate
   * @return a new builder
   */
  public static Builder builder(SyntheticFamily family) {
    return new Builder(family);
  }

  /** {@return the output layout this model imitates} */
  public SyntheticFamily family() {
    return family;
  }

  /** {@return the model input width W the constants were built for, in pixels} */
  public int inputWidth() {
    return inputWidth;
  }

  /** {@return the model input height H the constants were built for, in pixels} */
  public int inputHeight() {
    return inputHeight;
  }

  /** {@return the side of the pooling cell, in input pixels} */
  public int cell() {
    return cell;
  }

  /** {@return whether input height and width (and the outputs' N dim) are symbolic} */
  public boolean dynamicInput() {
    return dynamicInput;
  }

  /**
   * Tells whether the batch dimension is symbolic ({@code "batch"}), so several images run per call.
   *
   * @return true for a dynamic batch
   */
  public boolean dynamicBatch() {
    return dynamicBatch;
  }

  /** {@return the number of grid columns, {@code inputWidth / cell}} */
  public int gridWidth() {
    return inputWidth / cell;
  }

  /** {@return the number of grid rows, {@code inputHeight / cell}} */
  public int gridHeight() {
    return inputHeight / cell;
  }

  /**
   * Returns the number of candidate rows the output has: {@code gridWidth * gridHeight}, or for
   * YOLOX the sum over strides 8, 16 and 32 of {@code (H / s) * (W / s)}.
   *
   * @return the N dimension of the outputs
   */
  public int anchors() {
    if (family == SyntheticFamily.YOLOX) {
      int n = 0;
      for (int s : YOLOX_STRIDES) {
        n += (inputHeight / s) * (inputWidth / s);
      }
      return n;
    }
    return gridWidth() * gridHeight();
  }

  /** {@return the input tensor name: "input" for SSD, otherwise "images"} */
  public String inputName() {
    return family == SyntheticFamily.SSD ? "input" : "images";
  }

  /**
   * Returns the output tensor names, in graph order.
   *
   * @return e.g. ["output0"], or ["scores", "boxes"] for SSD
   */
  public List<String> outputNames() {
    return switch (family) {
      case YOLOV8, END2END -> List.of("output0");
      case YOLOV5, YOLOX -> List.of("output");
      case SSD -> List.of("scores", "boxes");
    };
  }

  /** {@return the model's {@code metadata_props}, as an unmodifiable ordered map} */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** {@return the serialized model, a fresh copy of the ONNX bytes} */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /**
   * Writes the serialized model to a file.
   *
   * @param file the output file, overwritten
   * @return {@code file}
   * @throws UncheckedIOException if the file cannot be written
   */
  public Path write(Path file) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
    return file;
  }

  @Override
  public String toString() {
    return "SyntheticDetector[" + family + ", " + inputWidth + "x" + inputHeight + ", cell=" + cell
        + (dynamicInput ? ", dynamic" : "") + "]";
  }

  private Map<String, String> metadataFor() {
    Map<String, String> m = new LinkedHashMap<>();
    String imgsz = "[" + inputHeight + ", " + inputWidth + "]";
    switch (family) {
      case YOLOV8 -> {
        m.put("description", "Framewise synthetic YOLOv8-layout detector");
        m.put("author", "Framewise");
        m.put("stride", "32");
        m.put("task", "detect");
        m.put("imgsz", imgsz);
        m.put("names", NAMES_METADATA);
      }
      case YOLOV5 -> {
        m.put("stride", "32");
        m.put("names", NAMES_METADATA);
      }
      case YOLOX -> m.put("framewise.format", "yolox");
      case SSD -> {
        // SSD exports carry no metadata.
      }
      case END2END -> {
        m.put("task", "detect");
        m.put("imgsz", imgsz);
        m.put("end2end", "True");
        m.put("names", NAMES_METADATA);
      }
    }
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // Graph construction

  private ModelProto buildModel() {
    String graphName = "framewise_synthetic_" + family.name().toLowerCase(Locale.ROOT);
    OnnxGraphBuilder g = new OnnxGraphBuilder(graphName);
    Object h = dynamicInput ? "height" : (Object) inputHeight;
    Object w = dynamicInput ? "width" : (Object) inputWidth;
    Object n = dynamicInput ? "anchors" : (Object) anchors();
    String input = inputName();
    Object b = dynamicBatch ? "batch" : (Object) 1;
    g.input(input, b, 3, h, w);

    int gw = gridWidth();
    int gh = gridHeight();
    int cells = gw * gh;
    g.node("AveragePool", "pooled", new String[] {input},
        Map.of("kernel_shape", new long[] {cell, cell}, "strides", new long[] {cell, cell}));
    g.int64s("means_shape", new long[] {dynamicBatch ? -1 : 1, 3, cells}, 3);
    String means = g.node("Reshape", "means", "pooled", "means_shape");

    switch (family) {
      case YOLOV8 -> {
        // [1, 4, N] of cx, cy, w, h then the 3 channel means (already [0, 1]) -> [1, 7, N].
        float[] boxes = new float[4 * cells];
        for (int i = 0; i < cells; i++) {
          float[] r = cellRect(i);
          boxes[i] = (r[0] + r[2]) / 2;
          boxes[cells + i] = (r[1] + r[3]) / 2;
          boxes[2 * cells + i] = cell;
          boxes[3 * cells + i] = cell;
        }
        g.floats("boxes_cxcywh", boxes, 1, 4, cells);
        String boxesFor = "boxes_cxcywh";
        if (dynamicBatch) {
          // broadcast the constant boxes to the batch: zeros [B, 1, N] + boxes [1, 4, N] -> [B, 4, N]
          g.node("ReduceMean", "means_1", new String[] {means}, Map.of("axes", new long[] {1}, "keepdims", 1L));
          g.floats("zero", new float[] {0f}, 1);
          g.node("Mul", "zeros_b", "means_1", "zero");
          boxesFor = g.node("Add", "boxes_b", "zeros_b", "boxes_cxcywh");
        }
        g.node("Concat", "output0", new String[] {boxesFor, means}, Map.of("axis", 1L));
        g.output("output0", b, 4 + CLASSES, n);
      }
      case YOLOV5 -> {
        // [1, N, 5] of cx, cy, w, h, obj=1 then the transposed means -> [1, N, 8].
        float[] head = new float[5 * cells];
        for (int i = 0; i < cells; i++) {
          float[] r = cellRect(i);
          head[5 * i] = (r[0] + r[2]) / 2;
          head[5 * i + 1] = (r[1] + r[3]) / 2;
          head[5 * i + 2] = cell;
          head[5 * i + 3] = cell;
          head[5 * i + 4] = 1f;
        }
        g.floats("head", head, 1, cells, 5);
        g.node("Transpose", "scores_t", new String[] {means}, Map.of("perm", new long[] {0, 2, 1}));
        g.node("Concat", "output", new String[] {"head", "scores_t"}, Map.of("axis", 2L));
        g.output("output", 1, n, 5 + CLASSES);
      }
      case YOLOX -> {
        // Input is BGR 0..255: class 0 (red) is channel 2. Stride-32 rows: x=y=0.5, w=h=0, obj=1.
        g.int64s("bgr_to_rgb", new long[] {2, 1, 0}, 3);
        g.node("Gather", "means_rgb", new String[] {means, "bgr_to_rgb"}, Map.of("axis", 1L));
        g.floats("inv255", new float[] {1f / 255f});
        g.node("Mul", "scores", "means_rgb", "inv255");
        g.node("Transpose", "scores_t", new String[] {"scores"}, Map.of("perm", new long[] {0, 2, 1}));
        float[] head = new float[5 * cells];
        for (int i = 0; i < cells; i++) {
          head[5 * i] = 0.5f;
          head[5 * i + 1] = 0.5f;
          head[5 * i + 4] = 1f;
        }
        g.floats("head32", head, 1, cells, 5);
        g.node("Concat", "level32", new String[] {"head32", "scores_t"}, Map.of("axis", 2L));
        int fine = anchors() - cells;
        g.floats("levels_8_16", new float[fine * (5 + CLASSES)], 1, fine, 5 + CLASSES);
        g.node("Concat", "output", new String[] {"levels_8_16", "level32"}, Map.of("axis", 1L));
        g.output("output", 1, n, 5 + CLASSES);
      }
      case SSD -> {
        // Input is (x - 127) / 128: score = clip((mean + 1) / 2, 0, 1); background column = 0.
        g.floats("one", new float[] {1f});
        g.floats("half", new float[] {0.5f});
        g.floats("zero", new float[] {0f});
        g.node("Add", "shifted", means, "one");
        g.node("Mul", "halved", "shifted", "half");
        g.node("Clip", "clipped", "halved", "zero", "one");
        g.node("Transpose", "scores_t", new String[] {"clipped"}, Map.of("perm", new long[] {0, 2, 1}));
        g.floats("background", new float[cells], 1, cells, 1);
        g.node("Concat", "scores", new String[] {"background", "scores_t"}, Map.of("axis", 2L));
        float[] boxes = new float[4 * cells];
        for (int i = 0; i < cells; i++) {
          float[] r = cellRect(i);
          boxes[4 * i] = r[0] / inputWidth;
          boxes[4 * i + 1] = r[1] / inputHeight;
          boxes[4 * i + 2] = r[2] / inputWidth;
          boxes[4 * i + 3] = r[3] / inputHeight;
        }
        g.floats("boxes_xyxy", boxes, 1, cells, 4);
        g.node("Identity", "boxes", "boxes_xyxy");
        g.output("scores", 1, n, 1 + CLASSES);
        g.output("boxes", 1, n, 4);
      }
      case END2END -> {
        // [1, 4, N] x1 y1 x2 y2, [1, 1, N] max score, [1, 1, N] argmax -> transposed to [1, N, 6].
        float[] boxes = new float[4 * cells];
        for (int i = 0; i < cells; i++) {
          float[] r = cellRect(i);
          for (int k = 0; k < 4; k++) {
            boxes[k * cells + i] = r[k];
          }
        }
        g.floats("boxes_xyxy", boxes, 1, 4, cells);
        g.node("ReduceMax", "score", new String[] {means},
            Map.of("axes", new long[] {1}, "keepdims", 1L));
        g.node("ArgMax", "class_i64", new String[] {means}, Map.of("axis", 1L, "keepdims", 1L));
        g.node("Cast", "class_f", new String[] {"class_i64"},
            Map.of("to", (long) TensorProto.DataType.FLOAT_VALUE));
        g.node("Concat", "detections_t", new String[] {"boxes_xyxy", "score", "class_f"},
            Map.of("axis", 1L));
        g.node("Transpose", "output0", new String[] {"detections_t"},
            Map.of("perm", new long[] {0, 2, 1}));
        g.output("output0", 1, n, 6);
      }
    }
    return g.model(metadata);
  }

  /** Returns x1, y1, x2, y2 of grid cell {@code i} (row-major) in input pixels. */
  private float[] cellRect(int i) {
    int gx = i % gridWidth();
    int gy = i / gridWidth();
    return new float[] {gx * cell, gy * cell, (gx + 1) * cell, (gy + 1) * cell};
  }

  /**
   * Builder for {@link SyntheticDetector}.
   *
   * <p>Not thread-safe; build once and share the immutable result.
   */
  public static final class Builder {
    private final SyntheticFamily family;
    private int width;
    private int height;
    private int cell;
    private boolean dynamicInput;
    private boolean dynamicBatch;
    private @Nullable Boolean metadata;

    private Builder(SyntheticFamily family) {
      this.family = Objects.requireNonNull(family, "family");
      this.width = family.defaultWidth();
      this.height = family.defaultHeight();
      this.cell = family.defaultCell();
    }

    /**
     * Sets the model input size the constants are built for.
     *
     * @param width input width W, a multiple of the cell
     * @param height input height H, a multiple of the cell
     * @return this builder
     */
    public Builder inputSize(int width, int height) {
      this.width = width;
      this.height = height;
      return this;
    }

    /**
     * Sets the pooling cell in input pixels (YOLOX requires 32).
     *
     * @param cell cell side, positive
     * @return this builder
     */
    public Builder cell(int cell) {
      this.cell = cell;
      return this;
    }

    /**
     * Makes input dims 2 and 3 symbolic ("height", "width") and the outputs' N dim symbolic
     * ("anchors"), like dynamic exports; the model still only runs at the built input size.
     *
     * @param dynamicInput true for symbolic H and W
     * @return this builder
     */
    public Builder dynamicInput(boolean dynamicInput) {
      this.dynamicInput = dynamicInput;
      return this;
    }

    /**
     * Makes the batch dimension symbolic, so the model runs several images per call (YOLOV8 only).
     *
     * @param dynamicBatch true for a symbolic batch dimension
     * @return this builder
     */
    public Builder dynamicBatch(boolean dynamicBatch) {
      this.dynamicBatch = dynamicBatch;
      return this;
    }

    /**
     * Adds or omits the family's {@code metadata_props}. By default YOLOV8, YOLOV5 and END2END
     * have them (as real exports do) and YOLOX and SSD do not; SSD never has any.
     *
     * @param metadata true to add the family's metadata
     * @return this builder
     */
    public Builder metadata(boolean metadata) {
      this.metadata = metadata;
      return this;
    }

    /**
     * Validates the settings and builds the model.
     *
     * @return the immutable detector
     * @throws IllegalArgumentException if the size is not a multiple of the cell, or a YOLOX cell
     *     is not 32
     */
    public SyntheticDetector build() {
      if (cell <= 0) {
        throw new IllegalArgumentException("cell must be positive, was " + cell);
      }
      if (width <= 0 || height <= 0 || width % cell != 0 || height % cell != 0) {
        throw new IllegalArgumentException("input size " + width + "x" + height
            + " must be positive multiples of cell " + cell);
      }
      if (family == SyntheticFamily.YOLOX && cell != 32) {
        throw new IllegalArgumentException("YOLOX needs cell 32 (its coarsest stride), was " + cell);
      }
      boolean withMetadata = metadata != null
          ? metadata
          : family != SyntheticFamily.YOLOX && family != SyntheticFamily.SSD;
      if (dynamicBatch && family != SyntheticFamily.YOLOV8) {
        throw new IllegalArgumentException("dynamicBatch is supported for YOLOV8 only, not " + family);
      }
      return new SyntheticDetector(family, width, height, cell, dynamicInput, dynamicBatch, withMetadata);
    }
  }
}
