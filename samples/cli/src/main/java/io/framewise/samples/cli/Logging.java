package io.framewise.samples.cli;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL;
import static org.bytedeco.ffmpeg.global.avutil.av_log_get_level;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;

/**
 * Configures slf4j-simple through its system properties. Must run before the first logger is
 * created: slf4j-simple reads its configuration once. Properties given on the command line
 * ({@code java -Dorg.slf4j.simpleLogger...}) are kept, except that --verbose always means debug.
 */
final class Logging {

  private static final String PREFIX = "org.slf4j.simpleLogger.";

  private Logging() {}

  static void configure(boolean verbose) {
    if (verbose) {
      System.setProperty(PREFIX + "defaultLogLevel", "debug");
      setDefault("showDateTime", "true");
      setDefault("dateTimeFormat", "HH:mm:ss.SSS");
    } else {
      setDefault("defaultLogLevel", "info");
      // The CLI prints its own summary line; the engine's INFO line would say the same thing again.
      setDefault("log.io.framewise.core.run.LocalRun", "warn");
    }
    // Kafka's clients and broker (worker, submit, broker) log much at INFO: their warnings only.
    setDefault("log.org.apache.kafka", "warn");
    setDefault("log.kafka", "warn");
    setDefault("log.state.change.logger", "warn");
    setDefault("showThreadName", "false");
    setDefault("showShortLogName", "true");
    setDefault("levelInBrackets", "false");
    // slf4j-simple's default target is already System.err; results go to stdout, never logs.
    setDefault("logFile", "System.err");
  }

  /**
   * Silences FFmpeg's own log (stream dumps, rejected-option notices) while the demo encodes its
   * video, as the SDK's decoder does for decoding; failures still surface as exceptions. Not with
   * --verbose, nor when {@code -Dframewise.ffmpeg.quiet=false}.
   */
  static void quietFfmpeg(boolean verbose) {
    if (!verbose && Boolean.parseBoolean(System.getProperty("framewise.ffmpeg.quiet", "true"))
        && av_log_get_level() > AV_LOG_ERROR) {
      av_log_set_level(AV_LOG_FATAL);
    }
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(PREFIX + key) == null) {
      System.setProperty(PREFIX + key, value);
    }
  }
}
