package io.framewise.spi;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A detector's settings that providers read: where the model runs, how many threads one model
 * session uses, how many sessions and indexes the detector keeps, how long an idle one stays, and
 * whether FFmpeg's log is routed. Set on {@link io.framewise.VideoDetector.Builder}; what a builder
 * leaves unset comes from {@link #fromSystem()} (system properties, then environment variables),
 * which is also what a detector built before these options existed used.
 *
 * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N} (lower case)
 * @param intraOpThreads CPU threads of one model session, or 0 to derive them from the cores and the
 *     number of concurrent workers
 * @param modelCacheSize the most loaded model sessions the detector keeps, at least 1
 * @param indexCacheSize the most video indexes the detector keeps, at least 1
 * @param idleTimeout how long an unused model session or index stays before it is released, positive
 * @param ffmpegQuiet route FFmpeg's log (errors only) to SLF4J and to damage reports, instead of
 *     leaving FFmpeg's own logging to stderr; process-wide, see {@code docs/embedding.md}
 * @since 0.3
 */
public record DetectorSettings(
    String device, int intraOpThreads, int modelCacheSize, int indexCacheSize, Duration idleTimeout, boolean ffmpegQuiet) {

  /** System property (and {@code FRAMEWISE_DEVICE}) giving the default {@link #device}. */
  public static final String DEVICE = "framewise.device";
  /** System property giving the default {@link #intraOpThreads}. */
  public static final String THREADS = "framewise.threads";
  /** System property giving the default {@link #modelCacheSize} (4). */
  public static final String CACHE_MODELS = "framewise.cache.models";
  /** System property giving the default {@link #indexCacheSize} (64). */
  public static final String CACHE_INDEXES = "framewise.cache.indexes";
  /** System property giving the default {@link #idleTimeout}, an ISO-8601 duration such as {@code PT10M}. */
  public static final String CACHE_IDLE = "framewise.cache.idle";
  /** System property giving the default {@link #ffmpegQuiet} (true). */
  public static final String FFMPEG_QUIET = "framewise.ffmpeg.quiet";

  /**
   * Validates the fields and normalises the device.
   *
   * @throws IllegalArgumentException if a field is out of range or the device is not one of the forms above
   */
  public DetectorSettings {
    device = checkDevice(Objects.requireNonNull(device, "device"));
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads must be >= 0 (0 = derive), was " + intraOpThreads);
    }
    if (modelCacheSize < 1 || indexCacheSize < 1) {
      throw new IllegalArgumentException("cache sizes must be >= 1, were " + modelCacheSize + " and " + indexCacheSize);
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout must be positive, was " + idleTimeout);
    }
  }

  /**
   * The defaults a builder starts from: {@code framewise.device} (or {@code FRAMEWISE_DEVICE}),
   * {@code framewise.threads}, {@code framewise.cache.models}, {@code framewise.cache.indexes},
   * {@code framewise.cache.idle} and {@code framewise.ffmpeg.quiet}, read now; what is unset gives
   * {@code auto}, 0, 4, 64, ten minutes and true.
   *
   * @return the settings
   * @throws IllegalArgumentException naming the property when one holds a value that cannot be used
   */
  public static DetectorSettings fromSystem() {
    String device = System.getProperty(DEVICE);
    if (device == null || device.isBlank()) {
      device = System.getenv("FRAMEWISE_DEVICE");
    }
    return new DetectorSettings(
        device == null || device.isBlank() ? "auto" : device,
        intProperty(THREADS, 0),
        intProperty(CACHE_MODELS, 4),
        intProperty(CACHE_INDEXES, 64),
        durationProperty(CACHE_IDLE, Duration.ofMinutes(10)),
        Boolean.parseBoolean(System.getProperty(FFMPEG_QUIET, "true").trim()));
  }

  /**
   * Checks a device name.
   *
   * @param device the name
   * @return it trimmed and in lower case
   * @throws IllegalArgumentException if it is not {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
   */
  public static String checkDevice(String device) {
    String d = device.trim().toLowerCase(Locale.ROOT);
    if (!d.equals("auto") && !d.equals("cpu") && !d.equals("gpu") && !d.matches("gpu:\\d{1,4}")) {
      throw new IllegalArgumentException("device must be auto, cpu, gpu or gpu:N, was '" + device + "'");
    }
    return d;
  }

  private static int intProperty(String name, int fallback) {
    @Nullable String v = System.getProperty(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("system property " + name + " must be a whole number, was '" + v + "'", e);
    }
  }

  private static Duration durationProperty(String name, Duration fallback) {
    @Nullable String v = System.getProperty(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Duration.parse(v.trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("system property " + name + " must be an ISO-8601 duration such as PT10M, was '" + v + "'", e);
    }
  }
}
