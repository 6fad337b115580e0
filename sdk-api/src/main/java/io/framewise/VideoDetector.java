package io.framewise;

import io.framewise.spi.DetectionEngine;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.RemoteVideo;
import io.framewise.spi.ResultWriterProvider;
import io.framewise.spi.VideoDecoderProvider;
import io.framewise.spi.DetectorContext;
import io.framewise.spi.DetectorSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
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
 * <h2>Threads</h2>
 * A detector built with {@link Builder#executor(Executor)} or {@link Builder#threadFactory(ThreadFactory)}
 * (in a Jakarta EE container, the {@code ManagedExecutorService} or {@code ManagedThreadFactory}) starts
 * every Java thread it needs there: segment and inference workers, asynchronous jobs
 * ({@link DetectionJob#runAsync}), and the timer that evicts idle sessions and stops jobs past their
 * timeout. Without either it makes daemon threads named {@code framewise-*}. Native threads of ONNX
 * Runtime and FFmpeg are outside any Java executor (see docs/embedding.md).
 *
 * <h2>Lifecycle</h2>
 * A detector built with {@link #builder()} owns the model sessions and video indexes its jobs load:
 * jobs on the same model share one session, an unused session or index is released after
 * {@link Builder#idleTimeout(Duration)} by a timer, and {@link #close()} releases them all, native memory
 * included. The shared default detector of {@link #open(Path)} keeps its sessions for the life of the
 * process (evicting idle ones on its own daemon timer thread).
 *
 * @since 0.1
 */
public final class VideoDetector implements AutoCloseable {

  private static final class DefaultHolder {
    static final VideoDetector INSTANCE = new VideoDetector(builder(), DetectorContext.shared());
  }

  private final @Nullable VideoDecoderProvider decoder;
  private final @Nullable ModelAdapterProvider modelAdapter;
  private final @Nullable ResultWriterProvider resultWriter;
  private final @Nullable DetectionEngine engine;
  private final ClassLoader classLoader;
  private final Set<String> remoteSchemes;
  private final DetectorContext context;
  private final List<JobObserver> observers;
  private final AtomicLong jobIds = new AtomicLong();
  /** Guards {@link #closed} and {@link #running}. */
  private final Object lifecycle = new Object();
  private int running;
  private volatile boolean closed;

  private VideoDetector(Builder b, DetectorContext context) {
    this.context = context;
    this.observers = List.copyOf(b.observers);
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

  DetectorContext context() {
    return context;
  }

  List<JobObserver> observers() {
    return observers;
  }

  long nextJobId() {
    return jobIds.incrementAndGet();
  }

  /** A job of this detector starts running (or is queued to); false when the detector is closed. */
  boolean enter() {
    synchronized (lifecycle) {
      if (closed) {
        return false;
      }
      running++;
      return true;
    }
  }

  /** A job of this detector ended; the last one after {@link #close()} releases the detector's resources. */
  void leave() {
    boolean release;
    synchronized (lifecycle) {
      running--;
      release = closed && running == 0;
    }
    if (release) {
      releaseResources();
    }
  }

  /**
   * Tells whether {@link #close()} was called.
   *
   * @return true once closed
   * @since 0.3
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops this detector from creating or running jobs and releases what it owns: its model sessions
   * (ONNX Runtime's native memory), its video indexes and its timer. Jobs already running (or queued
   * with {@link DetectionJob#runAsync}) finish first; the last of them releases the resources as it
   * ends. Idempotent. Closing the shared default detector is not possible (it is not exposed).
   */
  @Override
  public void close() {
    boolean release;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      release = running == 0;
    }
    if (release) {
      releaseResources();
    }
  }

  private void releaseResources() {
    if (context != DetectorContext.shared()) {
      context.close();
    }
  }

  /**
   * Builds a {@link VideoDetector}. Providers not given here are chosen per job: by name from the
   * system property {@code framewise.<point>} or environment variable {@code FRAMEWISE_<POINT>}, else
   * the highest-priority available one on the class path. Settings not given here
   * ({@link #device}, {@link #intraOpThreads}, {@link #modelCacheSize}, {@link #indexCacheSize},
   * {@link #idleTimeout}, {@link #ffmpegQuiet}) default to their system properties, read by
   * {@link #build()} ({@link DetectorSettings#fromSystem()}).
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
    private @Nullable Executor executor;
    private @Nullable ThreadFactory threadFactory;
    private @Nullable String device;
    private @Nullable Integer intraOpThreads;
    private @Nullable Integer modelCacheSize;
    private @Nullable Integer indexCacheSize;
    private @Nullable Duration idleTimeout;
    private @Nullable Boolean ffmpegQuiet;
    private final List<JobObserver> observers = new ArrayList<>();

    private Builder() {}

    /**
     * Runs every piece of work the detector needs on this executor (in a Jakarta EE container, its
     * {@code ManagedExecutorService}): segment and inference workers as tasks, asynchronous jobs, and
     * the timer (on its {@code schedule} methods when it is a
     * {@link java.util.concurrent.ScheduledExecutorService}, else as one task that stays while something
     * is scheduled). The detector then creates no Java thread of its own. The executor must run tasks on
     * other threads, and concurrently: a job needs up to {@code parallelism} workers (2 more for an
     * asynchronous job and the timer) at once, so a bounded executor needs at least that many threads.
     *
     * @param executor the executor
     * @return this builder, for chaining
     * @throws IllegalStateException if an executor or a thread factory was already set
     * @since 0.3
     */
    public Builder executor(Executor executor) {
      Objects.requireNonNull(executor, "executor");
      requireState(this.executor == null && threadFactory == null, "an executor or thread factory was already set");
      this.executor = executor;
      return this;
    }

    /**
     * Makes every thread the detector needs with this factory (in a Jakarta EE container, its
     * {@code ManagedThreadFactory}): segment and inference workers, asynchronous jobs, and one timer
     * thread while something is scheduled. The detector then creates no Java thread of its own.
     *
     * @param threadFactory the factory
     * @return this builder, for chaining
     * @throws IllegalStateException if an executor or a thread factory was already set
     * @since 0.3
     */
    public Builder threadFactory(ThreadFactory threadFactory) {
      Objects.requireNonNull(threadFactory, "threadFactory");
      requireState(executor == null && this.threadFactory == null, "an executor or thread factory was already set");
      this.threadFactory = threadFactory;
      return this;
    }

    /**
     * Chooses where models run: {@code auto} (CUDA when an NVIDIA GPU is usable, else CPU), {@code cpu},
     * {@code gpu} or {@code gpu:N} (fails with FW-205 when CUDA cannot start). Default: the system
     * property {@code framewise.device}, else {@code FRAMEWISE_DEVICE}, else {@code auto}.
     *
     * @param device the device
     * @return this builder, for chaining
     * @throws IllegalArgumentException if not one of those forms
     * @throws IllegalStateException if already set
     * @since 0.3
     */
    public Builder device(String device) {
      Objects.requireNonNull(device, "device");
      requireState(this.device == null, "device was already set to %s", this.device);
      this.device = DetectorSettings.checkDevice(device);
      return this;
    }

    /**
     * Sets the CPU threads of one model session. Default: the system property {@code framewise.threads},
     * else the cores divided among the job's concurrent workers.
     *
     * @param threads at least 1
     * @return this builder, for chaining
     * @throws IllegalArgumentException if less than 1
     * @throws IllegalStateException if already set
     * @since 0.3
     */
    public Builder intraOpThreads(int threads) {
      atLeastOne(threads, "intraOpThreads");
      requireState(intraOpThreads == null, "intraOpThreads was already set to %s", intraOpThreads);
      this.intraOpThreads = threads;
      return this;
    }

    /**
     * Sets how many loaded model sessions the detector keeps for its jobs (the least recently used goes
     * first; one in use stays loaded until its jobs end). Default: the system property
     * {@code framewise.cache.models}, else 4.
     *
     * @param size at least 1
     * @return this builder, for chaining
     * @throws IllegalArgumentException if less than 1
     * @throws IllegalStateException if already set
     * @since 0.3
     */
    public Builder modelCacheSize(int size) {
      atLeastOne(size, "modelCacheSize");
      requireState(modelCacheSize == null, "modelCacheSize was already set to %s", modelCacheSize);
      this.modelCacheSize = size;
      return this;
    }

    /**
     * Sets how many video indexes (of chunked jobs) the detector keeps. Default: the system property
     * {@code framewise.cache.indexes}, else 64.
     *
     * @param size at least 1
     * @return this builder, for chaining
     * @throws IllegalArgumentException if less than 1
     * @throws IllegalStateException if already set
     * @since 0.3
     */
    public Builder indexCacheSize(int size) {
      atLeastOne(size, "indexCacheSize");
      requireState(indexCacheSize == null, "indexCacheSize was already set to %s", indexCacheSize);
      this.indexCacheSize = size;
      return this;
    }

    /**
     * Sets how long a model session or video index no job uses stays loaded; a timer on the detector's
     * threads releases it then, native memory included, also on a server that runs no job. Default: the
     * system property {@code framewise.cache.idle} (ISO-8601, such as {@code PT10M}), else ten minutes.
     *
     * @param idle positive
     * @return this builder, for chaining
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     * @since 0.3
     */
    public Builder idleTimeout(Duration idle) {
      Objects.requireNonNull(idle, "idle");
      if (idle.isNegative() || idle.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive, was " + idle);
      }
      requireState(idleTimeout == null, "idleTimeout was already set to %s", idleTimeout);
      this.idleTimeout = idle;
      return this;
    }

    /**
     * Routes FFmpeg's log (errors only) to SLF4J logger {@code io.framewise.ffmpeg} at debug level and
     * into damage reports ({@code true}), or leaves FFmpeg's own logging to stderr alone ({@code false},
     * which also turns the damage reports of demuxer resyncs off). FFmpeg has one log callback per
     * process: the first job that opens a video in the process decides, for every detector; a detector
     * whose setting differs logs a warning once (see docs/embedding.md). Default: the system property
     * {@code framewise.ffmpeg.quiet}, else true.
     *
     * @param quiet whether to route FFmpeg's log
     * @return this builder, for chaining
     * @throws IllegalStateException if already set
     * @since 0.3
     */
    public Builder ffmpegQuiet(boolean quiet) {
      requireState(ffmpegQuiet == null, "ffmpegQuiet was already set to %s", ffmpegQuiet);
      this.ffmpegQuiet = quiet;
      return this;
    }

    /**
     * Adds an observer of every job this detector runs (metrics, audit); see {@link JobObserver}.
     *
     * @param observer the observer
     * @return this builder, for chaining
     * @since 0.3
     */
    public Builder addObserver(JobObserver observer) {
      observers.add(Objects.requireNonNull(observer, "observer"));
      return this;
    }

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
     * Builds the detector, reading the system properties of the settings not given.
     *
     * @return the detector; close it when done
     * @throws IllegalArgumentException if a system property that gives a default holds an unusable value
     */
    public VideoDetector build() {
      DetectorSettings defaults = DetectorSettings.fromSystem();
      DetectorSettings settings = new DetectorSettings(
          device != null ? device : defaults.device(),
          intraOpThreads != null ? intraOpThreads : defaults.intraOpThreads(),
          modelCacheSize != null ? modelCacheSize : defaults.modelCacheSize(),
          indexCacheSize != null ? indexCacheSize : defaults.indexCacheSize(),
          idleTimeout != null ? idleTimeout : defaults.idleTimeout(),
          ffmpegQuiet != null ? ffmpegQuiet : defaults.ffmpegQuiet());
      return new VideoDetector(this, DetectorContext.create(settings, executor, threadFactory));
    }

    private static void atLeastOne(int n, String what) {
      if (n < 1) {
        throw new IllegalArgumentException(what + " must be >= 1, was " + n);
      }
    }

    private static void requireState(boolean ok, String template, @Nullable Object... args) {
      if (!ok) {
        throw new IllegalStateException(String.format(template, args));
      }
    }
  }
}
