package io.framewise.core.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.setLogCallback;

import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.javacpp.BytePointer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes FFmpeg's log (errors and worse) to SLF4J at debug level instead of stderr, and hands the
 * errors logged on a thread that is reading a container to that container's listener: a demuxer that
 * resyncs past damaged data says so only in its log. Installed once, on first use;
 * {@code -Dframewise.ffmpeg.quiet=false} leaves FFmpeg's own logging alone (and turns the damage
 * reports off).
 */
public final class FfmpegLog {

  private static final Logger LOG = LoggerFactory.getLogger("io.framewise.ffmpeg");
  private static final Pattern PREFIX = Pattern.compile("^\\[[^\\]]* @ 0x[0-9a-fA-F]+\\]\\s*");
  private static final ThreadLocal<Consumer<String>> READER = new ThreadLocal<>();
  private static volatile boolean installed;
  private static LogCallback callback; // strongly held: native code calls it

  private FfmpegLog() {}

  static void install() {
    if (installed) {
      return;
    }
    synchronized (FfmpegLog.class) {
      if (installed) {
        return;
      }
      installed = true;
      if (!Boolean.parseBoolean(System.getProperty("framewise.ffmpeg.quiet", "true"))) {
        return;
      }
      callback = new LogCallback() {
        @Override
        public void call(int level, BytePointer msg) {
          if (level > AV_LOG_ERROR) {
            return;
          }
          String line = PREFIX.matcher(msg.getString().strip()).replaceFirst("");
          Consumer<String> reader = READER.get();
          if (reader != null) {
            reader.accept(line);
          }
          LOG.debug("{}", line);
        }
      };
      setLogCallback(callback);
      av_log_set_level(AV_LOG_ERROR);
    }
  }

  /** Sends errors FFmpeg logs on this thread to {@code listener} until {@link #endReading()}. */
  static void reading(@Nullable Consumer<String> listener) {
    READER.set(listener);
  }

  static void endReading() {
    READER.remove();
  }
}
