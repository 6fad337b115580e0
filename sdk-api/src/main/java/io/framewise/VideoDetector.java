package io.framewise;

import io.framewise.spi.DetectionEngine;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.ResultWriterProvider;
import io.framewise.spi.VideoDecoderProvider;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Entry point: runs an object detector over every frame of a video and streams one JSON document (or
 * Java objects) for the whole video.
 *
 * <pre>{@code
 * try (OutputStream out = Files.newOutputStream(Path.of("upload.json"))) {
 *   DetectionSummary s = VideoDetector.open(Path.of("upload.mp4"))
 *       .model(Path.of("yolov8n.onnx"))
 *       .confidence(0.25).iou(0.45)
 *       .writeJson(out);
 * }
 * }</pre>
 *
 * <p>{@link #open(Path)} uses a shared default detector whose decoder, model adapter, result writer
 * and engine are found through {@link java.util.ServiceLoader}. A server builds its own with
 * {@link #builder()} to choose providers or a class loader, shares it, and closes it at shutdown.
 *
 * <h2>Thread safety</h2>
 * A {@code VideoDetector} is immutable and thread-safe; each {@link DetectionJob} it creates is
 * single-use and confined to one thread.
 *
 * <h2>Lifecycle</h2>
 * Jobs open and close their own decoder and model. Closing a detector stops it from creating jobs.
 *
 * @since 0.1
 */
public final class VideoDetector implements AutoCloseable {

  private static final class DefaultHolder {
    static final VideoDetector INSTANCE = builder().build();
  }

  private final @Nullable VideoDecoderProvider decoder;
  private final @Nullable ModelAdapterProvider modelAdapter;
  private final @Nullable ResultWriterProvider resultWriter;
  private final @Nullable DetectionEngine engine;
  private final ClassLoader classLoader;
  private volatile boolean closed;

  private VideoDetector(Builder b) {
    this.decoder = b.decoder;
    this.modelAdapter = b.modelAdapter;
    this.resultWriter = b.resultWriter;
    this.engine = b.engine;
    this.classLoader = b.classLoader != null ? b.classLoader : VideoDetector.class.getClassLoader();
  }

  /**
   * Starts a job on a video with the shared default detector.
   *
   * @param video the video file
   * @return a new single-use job
   * @throws NullPointerException if {@code video} is null
   */
  public static DetectionJob open(Path video) {
    return DefaultHolder.INSTANCE.newJob(video);
  }

  /**
   * Starts building a detector.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a job on a video.
   *
   * @param video the video file
   * @return a new single-use job
   * @throws IllegalStateException if this detector was closed
   */
  public DetectionJob newJob(Path video) {
    Objects.requireNonNull(video, "video");
    if (closed) {
      throw new IllegalStateException("this VideoDetector is closed");
    }
    return new DetectionJob(this, video);
  }

  @Nullable VideoDecoderProvider decoder() {
    return decoder;
  }

  @Nullable ModelAdapterProvider modelAdapter() {
    return modelAdapter;
  }

  @Nullable ResultWriterProvider resultWriter() {
    return resultWriter;
  }

  @Nullable DetectionEngine engine() {
    return engine;
  }

  ClassLoader classLoader() {
    return classLoader;
  }

  /** Stops this detector from creating jobs; running jobs finish. Idempotent. */
  @Override
  public void close() {
    closed = true;
  }

  /**
   * Builds a {@link VideoDetector}. Providers not given here are chosen per job: by name from the
   * system property {@code framewise.<point>} or environment variable {@code FRAMEWISE_<POINT>}, else
   * the highest-priority available one on the class path.
   *
   * <h2>Thread safety</h2>
   * Not thread-safe; confine a builder to one thread.
   */
  public static final class Builder {
    private @Nullable VideoDecoderProvider decoder;
    private @Nullable ModelAdapterProvider modelAdapter;
    private @Nullable ResultWriterProvider resultWriter;
    private @Nullable DetectionEngine engine;
    private @Nullable ClassLoader classLoader;

    private Builder() {}

    /**
     * Uses this decoder for every job.
     *
     * @param decoder the decoder provider
     * @return this builder, for chaining
     */
    public Builder decoder(VideoDecoderProvider decoder) {
      this.decoder = Objects.requireNonNull(decoder, "decoder");
      return this;
    }

    /**
     * Uses this model adapter for every job.
     *
     * @param modelAdapter the model adapter provider
     * @return this builder, for chaining
     */
    public Builder modelAdapter(ModelAdapterProvider modelAdapter) {
      this.modelAdapter = Objects.requireNonNull(modelAdapter, "modelAdapter");
      return this;
    }

    /**
     * Uses this result writer for {@link DetectionJob#writeJson}.
     *
     * @param resultWriter the result writer provider
     * @return this builder, for chaining
     */
    public Builder resultWriter(ResultWriterProvider resultWriter) {
      this.resultWriter = Objects.requireNonNull(resultWriter, "resultWriter");
      return this;
    }

    /**
     * Uses this engine instead of the one found on the class path.
     *
     * @param engine the engine
     * @return this builder, for chaining
     */
    public Builder engine(DetectionEngine engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /**
     * Finds providers through this class loader (for application servers).
     *
     * @param classLoader the class loader
     * @return this builder, for chaining
     */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
      return this;
    }

    /**
     * Builds the detector.
     *
     * @return the detector
     */
    public VideoDetector build() {
      return new VideoDetector(this);
    }
  }
}
