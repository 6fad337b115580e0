package io.framewise;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which model to run and how to read it. Everything but the file is optional: the adapter detects
 * the family and input size from the model's outputs and metadata.
 *
 * <pre>{@code
 * ModelSpec spec = ModelSpec.builder(Path.of("yolox_nano.onnx"))
 *     .format(ModelFormat.YOLOX)
 *     .labelsFile(Path.of("coco.names"))
 *     .build();
 * }</pre>
 *
 * @param path the model file
 * @param format the output family, or {@link ModelFormat#AUTO}
 * @param labels class names by class id; when empty they come from {@code labelsFile}, the model's
 *     metadata, or the class id as text
 * @param labelsFile a text file with one class name per line, or null
 * @param inputWidth the input width to use for models with a dynamic input size, or 0 for the model's own
 * @param inputHeight the input height to use for models with a dynamic input size, or 0 for the model's own
 * @param name the name reported in the output, or null for the file name without its extension
 * @param resize how frames are brought to the input size: an OpenCV-exact resize ({@link
 *     ResizeMode#OPENCV}, the default) or the decoder's scaler ({@link ResizeMode#FAST})
 * @since 0.1
 */
public record ModelSpec(
    Path path,
    ModelFormat format,
    List<String> labels,
    @Nullable Path labelsFile,
    int inputWidth,
    int inputHeight,
    @Nullable String name,
    ResizeMode resize) {

  /** Validates and copies the fields. */
  public ModelSpec {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(resize, "resize");
    labels = List.copyOf(labels);
    if (inputWidth < 0 || inputHeight < 0 || (inputWidth == 0) != (inputHeight == 0)) {
      throw new IllegalArgumentException("inputWidth and inputHeight must both be positive, or both 0: " + inputWidth + "x" + inputHeight);
    }
    if (!labels.isEmpty() && labelsFile != null) {
      throw new IllegalArgumentException("give labels or labelsFile, not both");
    }
  }

  /**
   * Returns a spec that auto-detects everything.
   *
   * @param path the model file
   * @return the spec
   */
  public static ModelSpec of(Path path) {
    return builder(path).build();
  }

  /**
   * Starts a spec.
   *
   * @param path the model file
   * @return a builder
   */
  public static Builder builder(Path path) {
    return new Builder(path);
  }

  /**
   * Returns the name to report: the given one, or the file name without its extension.
   *
   * @return the display name
   */
  public String displayName() {
    if (name != null) {
      return name;
    }
    String file = String.valueOf(path.getFileName());
    int dot = file.lastIndexOf('.');
    return dot > 0 ? file.substring(0, dot) : file;
  }

  /**
   * Builds a {@link ModelSpec}.
   *
   * <h2>Thread safety</h2>
   * Not thread-safe; confine a builder to one thread.
   */
  public static final class Builder {
    private final Path path;
    private ModelFormat format = ModelFormat.AUTO;
    private List<String> labels = List.of();
    private @Nullable Path labelsFile;
    private int inputWidth;
    private int inputHeight;
    private @Nullable String name;
    private ResizeMode resize = ResizeMode.OPENCV;

    private Builder(Path path) {
      this.path = Objects.requireNonNull(path, "path");
    }

    /**
     * Sets the output family instead of detecting it.
     *
     * @param format the family
     * @return this builder, for chaining
     */
    public Builder format(ModelFormat format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /**
     * Sets the class names by class id.
     *
     * @param labels the names
     * @return this builder, for chaining
     */
    public Builder labels(List<String> labels) {
      this.labels = List.copyOf(labels);
      return this;
    }

    /**
     * Reads the class names from a file, one per line.
     *
     * @param labelsFile the file
     * @return this builder, for chaining
     */
    public Builder labelsFile(Path labelsFile) {
      this.labelsFile = Objects.requireNonNull(labelsFile, "labelsFile");
      return this;
    }

    /**
     * Sets the input size for a model whose input size is dynamic.
     *
     * @param width the width in pixels
     * @param height the height in pixels
     * @return this builder, for chaining
     * @throws IllegalArgumentException if a size is not positive
     */
    public Builder inputSize(int width, int height) {
      if (width <= 0 || height <= 0) {
        throw new IllegalArgumentException("input size must be positive, was " + width + "x" + height);
      }
      this.inputWidth = width;
      this.inputHeight = height;
      return this;
    }

    /**
     * Sets the name reported in the output.
     *
     * @param name the name
     * @return this builder, for chaining
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Sets how frames are brought to the input size (default {@link ResizeMode#OPENCV}).
     *
     * @param resize the mode
     * @return this builder, for chaining
     */
    public Builder resize(ResizeMode resize) {
      this.resize = Objects.requireNonNull(resize, "resize");
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     * @throws IllegalArgumentException if both labels and a labels file were given
     */
    public ModelSpec build() {
      return new ModelSpec(path, format, labels, labelsFile, inputWidth, inputHeight, name, resize);
    }
  }
}
