package io.framewise.core.pipeline;

import io.framewise.Progress;
import io.framewise.ProgressListener;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Calls a progress listener at most every {@link #INTERVAL_NANOS}, and once at the end. */
public final class ProgressTracker {

  public static final long INTERVAL_NANOS = 500_000_000L;

  private final @Nullable ProgressListener listener;
  private final long total;
  private final long started;
  private long lastReport;

  public ProgressTracker(@Nullable ProgressListener listener, long total, long startedNanos) {
    this.listener = listener;
    this.total = total;
    this.started = startedNanos;
    this.lastReport = startedNanos;
  }

  public void frameDone(long framesDone) {
    if (listener == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastReport >= INTERVAL_NANOS) {
      lastReport = now;
      listener.onProgress(progress(framesDone, now));
    }
  }

  public void finished(long framesDone) {
    if (listener != null) {
      listener.onProgress(progress(framesDone, System.nanoTime()));
    }
  }

  private Progress progress(long done, long now) {
    double seconds = Math.max((now - started) / 1e9, 1e-9);
    double fps = done / seconds;
    Duration eta = total > 0 && fps > 0 ? Duration.ofMillis(Math.round(Math.max(0, total - done) / fps * 1000)) : null;
    return new Progress(done, Math.max(total, done), fps, eta);
  }
}
