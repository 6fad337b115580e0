package io.framewise.jakarta;

import io.framewise.DataSize;
import io.framewise.DetectionJob;
import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.spi.DetectorSettings;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Framewise's settings in an application: the detector's options and the defaults of its jobs, read
 * from configuration keys ({@code framewise.model}, {@code framewise.device}, ...; the table is in
 * {@code docs/jakarta.md}).
 *
 * <p>{@link #load(ClassLoader)} reads them through MicroProfile Config when the runtime has it (so
 * they may come from {@code META-INF/microprofile-config.properties}, system properties, environment
 * variables or the server's own sources), and otherwise from system properties and environment
 * variables ({@code framewise.chunk-size} or {@code FRAMEWISE_CHUNK_SIZE}). A key that is not set
 * leaves Framewise's default. Every value is checked when the settings are read: a bad one throws a
 * {@link FramewiseConfigException} naming the key.
 *
 * <pre>{@code
 * FramewiseConfig config = FramewiseConfig.load(Thread.currentThread().getContextClassLoader());
 * try (VideoDetector detector = config.configure(VideoDetector.builder()).build()) {
 *   DetectionSummary s = config.newJob(detector, upload).writeJson(out);
 * }
 * }</pre>
 *
 * <h2>Thread safety</h2>
 * Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class FramewiseConfig {

  /** The ONNX model file every job uses ({@link DetectionJob#model(ModelSpec)}). No default. */
  public static final String MODEL = "framewise.model";
  /** A text file of class names, one per line ({@link ModelSpec.Builder#labelsFile}). Default: the model's. */
  public static final String LABELS = "framewise.labels";
  /** The model's output family ({@code auto}, {@code yolov8}, {@code yolox}, ...). Default {@code auto}. */
  public static final String MODEL_FORMAT = "framewise.model.format";
  /** Minimum score of a reported detection, 0..1. Default 0.25. */
  public static final String CONFIDENCE = "framewise.confidence";
  /** Overlap above which NMS drops the weaker box, 0..1. Default 0.45. */
  public static final String IOU = "framewise.iou";
  /** Segment size: a data size ({@code 64MiB}) or a duration ({@code 10s}, {@code PT1M}). Default: one segment. */
  public static final String CHUNK_SIZE = "framewise.chunk-size";
  /** Memory budget of one job ({@code 512MiB}, {@code 2GiB}). Default: the JVM's maximum heap. */
  public static final String MAX_HEAP = "framewise.max-heap";
  /** Segments decoded at once, or inference threads per decoder. Default: derived from the cores. */
  public static final String PARALLELISM = "framewise.parallelism";
  /** Frames per inference call. Default: derived. */
  public static final String BATCH_SIZE = "framewise.batch-size";
  /** Processes every n-th frame only. Default 1. */
  public static final String FRAME_STRIDE = "framewise.frame-stride";
  /** URI schemes a job may read ({@code http}, {@code https}, comma-separated). Default: none, local files only. */
  public static final String REMOTE_INPUT = "framewise.remote-input";
  /** Where models run: {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N} ({@link VideoDetector.Builder#device}). Default {@code auto}. */
  public static final String DEVICE = "framewise.device";
  /** CPU threads of one model session ({@link VideoDetector.Builder#intraOpThreads}). Default: the cores shared among a job's workers. */
  public static final String THREADS = "framewise.threads";
  /** How many loaded model sessions the detector keeps ({@link VideoDetector.Builder#modelCacheSize}). Default 4. */
  public static final String MODEL_CACHE = "framewise.cache.models";
  /** How many video indexes the detector keeps ({@link VideoDetector.Builder#indexCacheSize}). Default 64. */
  public static final String INDEX_CACHE = "framewise.cache.indexes";
  /** How long an unused session or index stays loaded ({@link VideoDetector.Builder#idleTimeout}). Default 10 minutes. */
  public static final String IDLE_TIMEOUT = "framewise.cache.idle";
  /** Whether FFmpeg's log goes to SLF4J rather than stderr ({@link VideoDetector.Builder#ffmpegQuiet}). Default true. */
  public static final String FFMPEG_QUIET = "framewise.ffmpeg.quiet";
  /**
   * JNDI name of the {@code ManagedThreadFactory} the detector's threads come from. Default
   * {@code java:comp/DefaultManagedThreadFactory}; {@code none} lets the SDK start its own threads.
   */
  public static final String THREAD_FACTORY = "framewise.thread-factory";
  /** JNDI name of a {@code ManagedExecutorService} to run the detector's work on instead. No default. */
  public static final String EXECUTOR = "framewise.executor";

  /** The JNDI name of Jakarta EE's default managed thread factory. */
  public static final String DEFAULT_THREAD_FACTORY = "java:comp/DefaultManagedThreadFactory";

  /** Every key, in the order of the documentation. */
  static final List<String> KEYS = List.of(MODEL, LABELS, MODEL_FORMAT, CONFIDENCE, IOU, CHUNK_SIZE, MAX_HEAP,
      PARALLELISM, BATCH_SIZE, FRAME_STRIDE, REMOTE_INPUT, DEVICE, THREADS, MODEL_CACHE, INDEX_CACHE, IDLE_TIMEOUT,
      FFMPEG_QUIET, THREAD_FACTORY, EXECUTOR);

  private static final Pattern DURATION =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|m|min|h)", Pattern.CASE_INSENSITIVE);

  private final String source;
  private final Map<String, String> values;
  private final @Nullable ModelSpec model;
  private final OptionalDouble confidence;
  private final OptionalDouble iou;
  private final @Nullable DataSize chunkBytes;
  private final @Nullable Duration chunkDuration;
  private final @Nullable DataSize maxHeap;
  private final OptionalInt parallelism;
  private final OptionalInt batchSize;
  private final OptionalInt frameStride;
  private final List<String> remoteInput;
  private final @Nullable String device;
  private final OptionalInt threads;
  private final OptionalInt modelCache;
  private final OptionalInt indexCache;
  private final @Nullable Duration idleTimeout;
  private final @Nullable Boolean ffmpegQuiet;
  private final @Nullable String threadFactory;
  private final @Nullable String executor;

  private FramewiseConfig(String source, Function<String, @Nullable String> lookup) {
    this.source = source;
    Map<String, String> set = new LinkedHashMap<>();
    for (String key : KEYS) {
      String v = lookup.apply(key);
      if (v != null && !v.isBlank()) {
        set.put(key, v.strip());
      }
    }
    this.values = Map.copyOf(set);
    Reader r = new Reader(source, set);
    Path modelFile = r.file(MODEL);
    Path labelsFile = r.file(LABELS);
    ModelFormat format = r.parse(MODEL_FORMAT, ModelFormat::fromId, "a model format (auto, yolov8, yolov5, yolox, ssd, end2end)");
    if (modelFile == null && (labelsFile != null || format != null)) {
      String key = labelsFile != null ? LABELS : MODEL_FORMAT;
      throw r.invalid(key, "is set but " + MODEL + " is not: it describes the configured model");
    }
    if (modelFile != null) {
      ModelSpec.Builder spec = ModelSpec.builder(modelFile);
      if (labelsFile != null) {
        spec.labelsFile(labelsFile);
      }
      if (format != null) {
        spec.format(format);
      }
      this.model = spec.build();
    } else {
      this.model = null;
    }
    this.confidence = r.unit(CONFIDENCE);
    this.iou = r.unit(IOU);
    String chunk = set.get(CHUNK_SIZE);
    Duration duration = chunk == null ? null : parseDuration(chunk);
    if (duration != null) {
      if (duration.isZero() || duration.isNegative()) {
        throw r.invalid(CHUNK_SIZE, "must be positive");
      }
      this.chunkDuration = duration;
      this.chunkBytes = null;
    } else {
      this.chunkDuration = null;
      this.chunkBytes = r.positiveSize(CHUNK_SIZE, "a data size (64MiB, 1GiB) or a duration (500ms, 10s, 2m, PT1M)");
    }
    this.maxHeap = r.positiveSize(MAX_HEAP, "a data size such as 512MiB or 2GiB");
    this.parallelism = r.positiveInt(PARALLELISM);
    this.batchSize = r.positiveInt(BATCH_SIZE);
    this.frameStride = r.positiveInt(FRAME_STRIDE);
    this.remoteInput = r.schemes(REMOTE_INPUT);
    this.device = r.parse(DEVICE, DetectorSettings::checkDevice, "auto, cpu, gpu or gpu:N");
    this.threads = r.positiveInt(THREADS);
    this.modelCache = r.positiveInt(MODEL_CACHE);
    this.indexCache = r.positiveInt(INDEX_CACHE);
    Duration idle = r.parse(IDLE_TIMEOUT, FramewiseConfig::requireDuration, "a duration (10m, 90s, PT10M)");
    if (idle != null && (idle.isZero() || idle.isNegative())) {
      throw r.invalid(IDLE_TIMEOUT, "must be positive");
    }
    this.idleTimeout = idle;
    this.ffmpegQuiet = r.bool(FFMPEG_QUIET);
    String tf = set.getOrDefault(THREAD_FACTORY, DEFAULT_THREAD_FACTORY);
    this.threadFactory = tf.equalsIgnoreCase("none") ? null : tf;
    this.executor = set.get(EXECUTOR);
  }

  /**
   * Reads the settings the way the runtime offers them: through MicroProfile Config when its API and
   * an implementation are there ({@code ConfigProvider.getConfig(classLoader)}), otherwise from system
   * properties, then environment variables (a key's upper-case form with {@code .} and {@code -} as
   * {@code _}, as in MicroProfile Config).
   *
   * @param classLoader the application's class loader, whose configuration is read
   * @return the settings
   * @throws FramewiseConfigException if a value is not valid
   */
  public static FramewiseConfig load(ClassLoader classLoader) {
    Objects.requireNonNull(classLoader, "classLoader");
    Function<String, @Nullable String> mp = MicroProfileConfigSource.find(classLoader);
    if (mp != null) {
      return new FramewiseConfig("MicroProfile Config", mp);
    }
    return new FramewiseConfig("system properties and environment", FramewiseConfig::systemOrEnv);
  }

  /**
   * Reads the settings from a map of keys to values, for tests and for applications that hold their
   * settings elsewhere.
   *
   * @param values keys ({@code framewise.model}, ...) and their values; other keys are ignored
   * @return the settings
   * @throws FramewiseConfigException if a value is not valid
   */
  public static FramewiseConfig of(Map<String, String> values) {
    Map<String, String> copy = Map.copyOf(values);
    return new FramewiseConfig("given values", copy::get);
  }

  /**
   * Returns Framewise's defaults: no key set.
   *
   * @return the settings
   */
  public static FramewiseConfig defaults() {
    return new FramewiseConfig("defaults", key -> null);
  }

  private static @Nullable String systemOrEnv(String key) {
    String v = System.getProperty(key);
    if (v == null || v.isBlank()) {
      v = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
    }
    return v;
  }

  /**
   * Sets the detector options these settings hold on {@code builder} (only those that are configured):
   * device, session threads, cache sizes, idle timeout, FFmpeg's log and the allowed remote schemes.
   * Threads and observers are the caller's to set ({@link FramewiseProducer} sets them).
   *
   * @param builder a detector builder none of whose configured options was set yet
   * @return {@code builder}, for chaining
   * @throws IllegalStateException if one of the configured options was already set on the builder
   */
  public VideoDetector.Builder configure(VideoDetector.Builder builder) {
    Objects.requireNonNull(builder, "builder");
    if (device != null) {
      builder.device(device);
    }
    threads.ifPresent(builder::intraOpThreads);
    modelCache.ifPresent(builder::modelCacheSize);
    indexCache.ifPresent(builder::indexCacheSize);
    if (idleTimeout != null) {
      builder.idleTimeout(idleTimeout);
    }
    if (ffmpegQuiet != null) {
      builder.ffmpegQuiet(ffmpegQuiet);
    }
    if (!remoteInput.isEmpty()) {
      builder.remoteInput(remoteInput.toArray(String[]::new));
    }
    return builder;
  }

  /**
   * Starts a job on {@code detector} with the configured job options set: model, confidence, IoU,
   * chunk size, memory budget, parallelism, batch size and frame stride (only those that are
   * configured; a job's options can be set once, so choose the others on the returned job).
   *
   * @param detector the detector
   * @param video the video file
   * @return a new single-use job
   * @throws IllegalStateException if the detector is closed
   */
  public DetectionJob newJob(VideoDetector detector, Path video) {
    return configure(detector.newJob(video));
  }

  /**
   * Sets the configured job options on {@code job}; see {@link #newJob(VideoDetector, Path)}.
   *
   * @param job a job none of whose configured options was set yet
   * @return {@code job}, for chaining
   * @throws IllegalStateException if one of the configured options was already set on the job
   */
  public DetectionJob configure(DetectionJob job) {
    Objects.requireNonNull(job, "job");
    if (model != null) {
      job.model(model);
    }
    confidence.ifPresent(job::confidence);
    iou.ifPresent(job::iou);
    if (chunkBytes != null) {
      job.chunkSize(chunkBytes);
    }
    if (chunkDuration != null) {
      job.chunkSize(chunkDuration);
    }
    if (maxHeap != null) {
      job.maxHeap(maxHeap);
    }
    parallelism.ifPresent(job::parallelism);
    batchSize.ifPresent(job::batchSize);
    frameStride.ifPresent(job::frameStride);
    return job;
  }

  /**
   * Tells where these settings were read from, for the log.
   *
   * @return for example {@code MicroProfile Config}
   */
  public String source() {
    return source;
  }

  /**
   * Returns the keys that were set and their values (for the log; no key holds a secret).
   *
   * @return an unmodifiable map
   */
  public Map<String, String> values() {
    return values;
  }

  /**
   * Returns the configured model ({@value #MODEL}, with {@value #LABELS} and {@value #MODEL_FORMAT}).
   *
   * @return the model, or empty when none is configured
   */
  public Optional<ModelSpec> model() {
    return Optional.ofNullable(model);
  }

  /**
   * Returns the configured minimum score ({@value #CONFIDENCE}).
   *
   * @return the score, or empty for Framewise's default
   */
  public OptionalDouble confidence() {
    return confidence;
  }

  /**
   * Returns the configured NMS overlap ({@value #IOU}).
   *
   * @return the overlap, or empty for Framewise's default
   */
  public OptionalDouble iou() {
    return iou;
  }

  /**
   * Returns the configured chunk size when it is a data size ({@value #CHUNK_SIZE}).
   *
   * @return the size, or empty
   */
  public Optional<DataSize> chunkBytes() {
    return Optional.ofNullable(chunkBytes);
  }

  /**
   * Returns the configured chunk size when it is a duration ({@value #CHUNK_SIZE}).
   *
   * @return the duration, or empty
   */
  public Optional<Duration> chunkDuration() {
    return Optional.ofNullable(chunkDuration);
  }

  /**
   * Returns the configured memory budget of a job ({@value #MAX_HEAP}).
   *
   * @return the budget, or empty for the JVM's maximum heap
   */
  public Optional<DataSize> maxHeap() {
    return Optional.ofNullable(maxHeap);
  }

  /**
   * Returns the configured parallelism ({@value #PARALLELISM}).
   *
   * @return the parallelism, or empty for the derived one
   */
  public OptionalInt parallelism() {
    return parallelism;
  }

  /**
   * Returns the configured batch size ({@value #BATCH_SIZE}).
   *
   * @return the batch size, or empty for the derived one
   */
  public OptionalInt batchSize() {
    return batchSize;
  }

  /**
   * Returns the configured frame stride ({@value #FRAME_STRIDE}).
   *
   * @return the stride, or empty for every frame
   */
  public OptionalInt frameStride() {
    return frameStride;
  }

  /**
   * Returns the URI schemes jobs may read ({@value #REMOTE_INPUT}).
   *
   * @return the schemes, empty when remote input is off
   */
  public List<String> remoteInput() {
    return remoteInput;
  }

  /**
   * Returns where models run ({@value #DEVICE}).
   *
   * @return {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}, or empty for the builder's default
   */
  public Optional<String> device() {
    return Optional.ofNullable(device);
  }

  /**
   * Returns ONNX Runtime's threads per session ({@value #THREADS}).
   *
   * @return the count, or empty for ONNX Runtime's default
   */
  public OptionalInt threads() {
    return threads;
  }

  /**
   * Returns how many loaded models the detector keeps ({@value #MODEL_CACHE}).
   *
   * @return the count, or empty for the default
   */
  public OptionalInt modelCache() {
    return modelCache;
  }

  /**
   * Returns how many video indexes the detector keeps ({@value #INDEX_CACHE}).
   *
   * @return the count, or empty for the default
   */
  public OptionalInt indexCache() {
    return indexCache;
  }

  /**
   * Returns how long an unused session or index stays loaded ({@value #IDLE_TIMEOUT}).
   *
   * @return the time, or empty for the default
   */
  public Optional<Duration> idleTimeout() {
    return Optional.ofNullable(idleTimeout);
  }

  /**
   * Returns whether FFmpeg's log is routed to SLF4J ({@value #FFMPEG_QUIET}).
   *
   * @return the setting, or empty for the builder's default
   */
  public Optional<Boolean> ffmpegQuiet() {
    return Optional.ofNullable(ffmpegQuiet);
  }

  /**
   * Returns the JNDI name of the managed thread factory to use ({@value #THREAD_FACTORY}).
   *
   * @return the name, or empty when set to {@code none}
   */
  public Optional<String> threadFactory() {
    return Optional.ofNullable(threadFactory);
  }

  /**
   * Returns the JNDI name of the managed executor to use ({@value #EXECUTOR}).
   *
   * @return the name, or empty when none is configured
   */
  public Optional<String> executor() {
    return Optional.ofNullable(executor);
  }

  @Override
  public String toString() {
    return "FramewiseConfig" + values + " from " + source;
  }

  private static Duration requireDuration(String t) {
    Duration d = parseDuration(t);
    if (d == null) {
      throw new IllegalArgumentException("not a duration: " + t);
    }
    return d;
  }

  /** Parses a duration as the CLI's {@code --chunk-size} does; null when the text is not a duration. */
  static @Nullable Duration parseDuration(String t) {
    if (t.length() > 1 && (t.charAt(0) == 'P' || t.charAt(0) == 'p')) {
      try {
        return Duration.parse(t);
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    Matcher m = DURATION.matcher(t);
    if (!m.matches()) {
      return null;
    }
    double n = Double.parseDouble(m.group(1));
    double ms = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "ms" -> n;
      case "s", "sec" -> n * 1000;
      case "m", "min" -> n * 60_000;
      default -> n * 3_600_000;
    };
    return Duration.ofMillis(Math.round(ms));
  }

  /** Parses and checks the values of one lookup, naming the key, the value and the source in every error. */
  private static final class Reader {
    private final String source;
    private final Map<String, String> values;

    Reader(String source, Map<String, String> values) {
      this.source = source;
      this.values = values;
    }

    FramewiseConfigException invalid(String key, String what) {
      return new FramewiseConfigException("FW-870", key, key + "='" + values.get(key) + "' (" + source + ") " + what);
    }

    <T> @Nullable T parse(String key, Function<String, T> parser, String expected) {
      String v = values.get(key);
      if (v == null) {
        return null;
      }
      try {
        return parser.apply(v);
      } catch (IllegalArgumentException e) {
        throw invalid(key, "is not " + expected);
      }
    }

    OptionalInt positiveInt(String key) {
      Integer n = parse(key, Integer::valueOf, "a whole number");
      if (n == null) {
        return OptionalInt.empty();
      }
      if (n < 1) {
        throw invalid(key, "must be at least 1");
      }
      return OptionalInt.of(n);
    }

    OptionalDouble unit(String key) {
      Double d = parse(key, Double::valueOf, "a number");
      if (d == null) {
        return OptionalDouble.empty();
      }
      if (!(d >= 0 && d <= 1)) {
        throw invalid(key, "must be between 0 and 1");
      }
      return OptionalDouble.of(d);
    }

    @Nullable DataSize positiveSize(String key, String expected) {
      DataSize size = parse(key, DataSize::parse, expected);
      if (size != null && size.bytes() <= 0) {
        throw invalid(key, "must be positive");
      }
      return size;
    }

    @Nullable Boolean bool(String key) {
      String v = values.get(key);
      if (v == null) {
        return null;
      }
      return switch (v.toLowerCase(Locale.ROOT)) {
        case "true" -> true;
        case "false" -> false;
        default -> throw invalid(key, "is not true or false");
      };
    }

    List<String> schemes(String key) {
      String v = values.get(key);
      if (v == null) {
        return List.of();
      }
      List<String> out = new ArrayList<>();
      for (String s : v.split(",")) {
        String scheme = s.strip().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
          throw invalid(key, "may list http and https only");
        }
        if (!out.contains(scheme)) {
          out.add(scheme);
        }
      }
      return List.copyOf(out);
    }

    /** A file that must exist and be readable: found at startup, not at the first job. */
    @Nullable Path file(String key) {
      String v = values.get(key);
      if (v == null) {
        return null;
      }
      Path p;
      try {
        p = Path.of(v);
      } catch (InvalidPathException e) {
        throw invalid(key, "is not a file name: " + e.getMessage());
      }
      String problem = !Files.exists(p) ? "does not exist"
          : !Files.isRegularFile(p) ? "is not a regular file"
          : !Files.isReadable(p) ? "is not readable" : null;
      if (problem != null) {
        throw new FramewiseConfigException("FW-871", key, key + "='" + v + "' (" + source + "): " + p.toAbsolutePath() + " " + problem);
      }
      return p;
    }
  }
}
