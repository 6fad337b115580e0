package io.framewise.core.pipeline;

import io.framewise.JobCancelledException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * How the engine stops when its thread is interrupted: checked between frames (so a job stops within
 * one model call, with any chunking and parallelism), and a blocking call or interruptible channel
 * that an interrupt broke is reported as a cancellation, not as an I/O failure. The thread's interrupt
 * status stays set, so the caller (and {@code DetectionJob}) can see why the job ended.
 */
public final class Cancellation {

  private Cancellation() {}

  /** Throws {@link JobCancelledException} when the current thread was interrupted. */
  public static void check(Path video) {
    if (Thread.currentThread().isInterrupted()) {
      throw cancelled(video, null);
    }
  }

  /** The cancellation of the job on {@code video}; sets the current thread's interrupt status again. */
  public static JobCancelledException cancelled(Path video, @Nullable Throwable cause) {
    Thread.currentThread().interrupt();
    return new JobCancelledException(video, "the job was cancelled (its thread was interrupted) before it finished", cause);
  }

  /** Whether a failure comes from an interrupt: of this thread, or of a blocking call or channel among its causes. */
  public static boolean byInterrupt(Throwable e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InterruptedException || t instanceof InterruptedIOException || t instanceof ClosedByInterruptException) {
        return true;
      }
    }
    return false;
  }
}
