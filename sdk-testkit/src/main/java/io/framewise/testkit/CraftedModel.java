package io.framewise.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An ONNX model whose outputs are exactly the values given, whatever the frame: for hostile-output
 * tests (NaN, infinities, scores above 1, class ids beyond the labels, odd layouts with misleading
 * shapes) and, with {@linkplain Builder#ballast ballast}, for memory measurements of large models.
 *
 * <p>The graph takes one float image input {@code [1, 3, H, W]} and computes, for every output,
 * {@code values + 0 * mean(input)}: the values reach the output through a real inference (nothing is
 * constant-folded away, and {@code 0 * x} of a finite pixel mean is exactly 0, so NaN and infinities
 * survive unchanged). Ballast is a float initializer multiplied with pooled input features on
 * every run, so ONNX Runtime keeps it in memory and reads it per frame, as it does a
 * real model's weights.
 *
 * <pre>{@code
 * float[] out = new float[84 * 16];           // YOLOv8 layout [1, 4+80, 16]
 * out[0] = Float.NaN;                          // cx of candidate 0
 * Path model = CraftedModel.builder(64, 64).output("output0", out, 1, 84, 16)
 *     .metadata("names", CraftedModel.names(80)).build().write(dir.resolve("nan.onnx"));
 * }</pre>
 */
public final class CraftedModel {

  private final byte[] bytes;

  private CraftedModel(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Starts a model with an image input of the given size.
   *
   * @param inputWidth the input's width
   * @param inputHeight the input's height
   * @return a builder
   */
  public static Builder builder(int inputWidth, int inputHeight) {
    return new Builder(inputWidth, inputHeight);
  }

  /**
   * Ultralytics-style {@code names} metadata for {@code n} classes: {@code {0: 'class0', 1: 'class1', ...}}.
   *
   * @param n the number of classes
   * @return the metadata value
   */
  public static String names(int n) {
    StringBuilder s = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : ", ").append(i).append(": 'class").append(i).append('\'');
    }
    return s.append('}').toString();
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
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
    return file;
  }

  /** Builds a {@link CraftedModel}. Not thread-safe. */
  public static final class Builder {
    private final int width;
    private final int height;
    private final List<Object[]> outputs = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private long ballastBytes;
    private boolean nanOnBlack;
    private boolean dynamicBatch;

    private Builder(int width, int height) {
      if (width < 1 || height < 1) {
        throw new IllegalArgumentException("input size must be positive: " + width + "x" + height);
      }
      this.width = width;
      this.height = height;
    }

    /**
     * Adds an output with exactly these values (row-major) and shape.
     *
     * @param name the output's name
     * @param values the values, as many as the shape holds
     * @param shape the output's shape, batch dimension first (1)
     * @return this builder
     */
    public Builder output(String name, float[] values, long... shape) {
      Objects.requireNonNull(name, "name");
      long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
      if (count != values.length) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count + " values, got " + values.length);
      }
      outputs.add(new Object[] {name, values.clone(), shape.clone()});
      return this;
    }

    /**
     * Adds a {@code metadata_props} entry.
     *
     * @param key the key
     * @param value the value
     * @return this builder
     */
    public Builder metadata(String key, String value) {
      metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Adds about {@code bytes} of weights that every inference reads: a {@code [192, M]} float MatMul
     * of the image pooled to 8x8 ({@code [3, M]} of the channel means when the input size is not a
     * multiple of 8).
     *
     * @param bytes the ballast's size, rounded down to a whole row
     * @return this builder
     */
    public Builder ballast(long bytes) {
      if (bytes < 0 || bytes > (1L << 31) - (1 << 20)) {
        throw new IllegalArgumentException("ballast must be 0 to just under 2 GiB (protobuf's limit): " + bytes);
      }
      this.ballastBytes = bytes;
      return this;
    }

    /**
     * Makes every output NaN on a frame whose input is all zeros (a black frame that fills the input:
     * {@code 0 / mean(input)} is a division of zero by zero), and leaves the values unchanged on any
     * other frame, so a test can put the failure on chosen frames.
     *
     * @return this builder
     */
    public Builder nanOnBlackFrames() {
      this.nanOnBlack = true;
      return this;
    }

    /**
     * Makes the batch dimension of the input and of every output symbolic ({@code "batch"}): each
     * frame of a batch gets the same values (the shapes given to {@link #output} keep their 1).
     *
     * @return this builder
     */
    public Builder dynamicBatch() {
      this.dynamicBatch = true;
      return this;
    }

    /**
     * Builds the model.
     *
     * @return the model
     */
    public CraftedModel build() {
      if (outputs.isEmpty()) {
        throw new IllegalStateException("no output");
      }
      OnnxGraphBuilder g = new OnnxGraphBuilder("framewise_crafted");
      Object batch = dynamicBatch ? "batch" : (Object) 1;
      g.input("images", batch, 3, height, width);
      // zero = 0 * mean(images), shape [1, 1, 1, 1]; reshaped to each output's rank below.
      g.node("ReduceMean", "mean", new String[] {"images"}, Map.of("axes", new long[] {1, 2, 3}, "keepdims", 1L));
      g.floats("zero_f", new float[] {0f}, 1);
      String zero = g.node("Mul", "zero", "mean", "zero_f");
      if (nanOnBlack) {
        zero = g.node("Div", "zero_or_nan", zero, "mean");
      }
      if (ballastBytes >= 768) {
        // [1, k] features of the image times [k, M] weights: k = 192 (3 channels of an 8x8 pooling) keeps
        // the product [1, M] small, as a real model's activations are small beside its weights.
        boolean pooled = width % 8 == 0 && height % 8 == 0;
        int k = pooled ? 192 : 3;
        int m = Math.toIntExact(ballastBytes / (4L * k));
        float[] w = new float[k * m];
        Arrays.fill(w, 1e-3f);
        g.floats("ballast_w", w, k, m);
        w = null;
        if (pooled) {
          g.node("AveragePool", "pooled8", new String[] {"images"},
              Map.of("kernel_shape", new long[] {height / 8, width / 8}, "strides", new long[] {height / 8, width / 8}));
          g.int64s("features_shape", new long[] {-1, 192}, 2);
          g.node("Reshape", "features", "pooled8", "features_shape");
        } else {
          g.node("ReduceMean", "features", new String[] {"images"}, Map.of("axes", new long[] {2, 3}, "keepdims", 0L));
        }
        g.node("MatMul", "ballast_out", "features", "ballast_w");
        g.node("ReduceSum", "ballast_sum", new String[] {"ballast_out"}, Map.of("keepdims", 1L));
        g.node("Mul", "ballast_zero", "ballast_sum", "zero_f");
        g.int64s("one_shape", new long[] {1, 1, 1, 1}, 4);
        g.node("Reshape", "ballast_zero4", "ballast_zero", "one_shape");
        zero = g.node("Add", "zero_b", zero, "ballast_zero4");
      }
      int i = 0;
      for (Object[] o : outputs) {
        String name = (String) o[0];
        float[] values = (float[]) o[1];
        long[] shape = (long[]) o[2];
        long[] ones = new long[shape.length];
        Arrays.fill(ones, 1);
        ones[0] = -1; // the batch
        String z = g.node("Reshape", "zero_r" + i, zero, g.int64s("zero_shape" + i, ones, ones.length));
        g.node("Add", name, z, g.floats("values" + i, values, shape));
        Object[] dims = Arrays.stream(shape).mapToObj(d -> (Object) Math.toIntExact(d)).toArray();
        if (dynamicBatch) {
          dims[0] = "batch";
        }
        g.output(name, dims);
        i++;
      }
      return new CraftedModel(g.model(metadata).toByteArray());
    }
  }
}
