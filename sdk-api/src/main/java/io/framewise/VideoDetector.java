package io.framewise;

import io.framewise.spi.DetectionEngine;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.RemoteVideo;
import io.framewise.spi.ResultWriterProvider;
import io.framewise.spi.VideoDecoderProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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
 * <h2>Input safety</h2>
 * A {@link Path} always opens exactly that local file, whatever its name ({@code http:...},
 * {@code pipe:0} and {@code clip:01.mp4} are file names), and the decoder opens nothing named inside
 * it: playlists and scripts (HLS, concat, image sequences) are refused with a
 * {@link RefusedInputException}. Remote input is off by default; a detector built with
 * {@link Builder#remoteInput(String...)} reads the URIs given to {@link #newJob(URI)} with those
 * schemes only.
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
  private final Set<String> remoteSchemes;
  private volatile boolean closed;

  private VideoDetector(Builder b) {
    this.decoder = b.decoder;
    this.modelAdapter = b.modelAdapter;
    this.resultWriter = b.resultWriter;
    this.engine = b.engine;
    this.classLoader = b.classLoader != null ? b.classLoader : VideoDetector.class.getClassLoader();
    this.remoteSchemes = b.remoteSchemes == null ? Set.of() : Set.copyOf(b.remoteSchemes);
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
    return new DetectionJob(this, video, null);
  }

  /**
   * Starts a job on a video named by a URI. A {@code file:} URI is the local file it names, as with
   * {@link #newJob(Path)}. Any other URI must be an absolute {@code scheme://host/...} address whose
   * scheme this detector allows ({@link Builder#remoteInput(String...)}; none by default). Messages
   * and logs show it without user information or query, which may hold credentials.
   *
   * @param video the video's URI
   * @return a new single-use job
   * @throws RefusedInputException if the scheme is not allowed (FW-111) or the URI is not a plain
   *     remote address (FW-112)
   * @throws IllegalStateException if this detector was closed
   */
  public DetectionJob newJob(URI video) {
    Objects.requireNonNull(video, "video");
    if (closed) {
      throw new IllegalStateException("this VideoDetector is closed");
    }
    String scheme = video.getScheme() == null ? null : video.getScheme().toLowerCase(Locale.ROOT);
    if ("file".equals(scheme)) {
      Path local;
      try {
        local = Path.of(video);
      } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
        throw new RefusedInputException("FW-112", null, RemoteVideo.redact(video) + ": not a local file URI: " + e.getMessage(), e);
      }
      return newJob(local);
    }
    if (scheme == null || !remoteSchemes.contains(scheme)) {
      String why = scheme == null ? "has no scheme" : "scheme '" + scheme + "' is not allowed";
      String allowed = remoteSchemes.isEmpty()
          ? "remote input is off; build the detector with VideoDetector.builder().remoteInput(\"https\") to allow it"
          : "this detector allows " + String.join(", ", new TreeSet<>(remoteSchemes)) + " (and file)";
      throw new RefusedInputException("FW-111", null, RemoteVideo.redact(video) + ": " + why + ": " + allowed, null);
    }
    if (video.isOpaque() || video.getHost() == null || video.getHost().isEmpty()) {
      throw new RefusedInputException("FW-112", null, RemoteVideo.redact(video)
          + ": not an absolute " + scheme + "://host/... address", null);
    }
    RemoteVideo remote = new RemoteVideo(video, remoteSchemes);
    return new DetectionJob(this, Path.of(remote.fileName()), remote);
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
    private @Nullable Set<String> remoteSchemes;

    private Builder() {}

    /**
     * Allows jobs on remote videos with these URI schemes ({@link VideoDetector#newJob(URI)}). Off by
     * default: without it only local files are read. A remote video is read with the protocols of these
     * schemes only (a redirect may move between them) and never opens a local file or anything named
     * inside it.
     *
     * @param schemes {@code "http"} and/or {@code "https"}
     * @return this builder, for chaining
     * @throws IllegalArgumentException if empty, or a scheme is not http or https ({@code file} is
     *     always allowed through {@link VideoDetector#newJob(Path)} and needs no permission)
     * @throws IllegalStateException if already set
     */
    public Builder remoteInput(String... schemes) {
      Objects.requireNonNull(schemes, "schemes");
      if (remoteSchemes != null) {
        throw new IllegalStateException("remoteInput was already set to " + remoteSchemes);
      }
      if (schemes.length == 0) {
        throw new IllegalArgumentException("remoteInput needs at least one scheme (http, https)");
      }
      Set<String> set = new TreeSet<>();
      for (String s : schemes) {
        String scheme = Objects.requireNonNull(s, "scheme").toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
          throw new IllegalArgumentException("remoteInput allows http and https only, not '" + s + "'");
        }
        set.add(scheme);
      }
      this.remoteSchemes = set;
      return this;
    }

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
