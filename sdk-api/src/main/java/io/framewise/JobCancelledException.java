package io.framewise;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The job was cancelled before it finished: its thread was interrupted (for example by
 * {@code Future.cancel(true)}) or {@link DetectionJob#cancel()} was called. Code {@code FW-700}; a job
 * stopped by its {@linkplain DetectionJob#timeout timeout} throws the subclass {@link JobTimeoutException}
 * ({@code FW-701}).
 *
 * <p>When it is thrown the job has stopped: its worker threads have ended, and it has left no
 * temporary or partial file behind ({@link DetectionJob#writeJson(java.nio.file.Path)} removed its
 * temporary file, a chunked run its spill directory). Segments already committed to a
 * {@linkplain DetectionJob#checkpointDir checkpoint directory} stay there, so that the same job started
 * again resumes from them. A caller's {@link java.io.OutputStream} holds an unterminated document that
 * can never be mistaken for a finished one.
 *
 * <p>A job cancelled by an interrupt throws this with the thread's interrupt status set, as blocking
 * JDK methods leave it; one cancelled with {@link DetectionJob#cancel()} clears the interrupt that
 * {@code cancel()} used to wake it.
 *
 * @since 0.1
 */
public sealed class JobCancelledException extends VideoDetectorException permits JobTimeoutException {

  private static final long serialVersionUID = 1L;

  /**
   * Reports a cancelled job.
   *
   * @param path the video of the job, or null
   * @param message what was cancelled
   * @param cause what the cancellation interrupted, or null
   */
  public JobCancelledException(@Nullable Path path, String message, @Nullable Throwable cause) {
    super("FW-700", path, message, cause);
  }

  JobCancelledException(String code, @Nullable Path path, String message, @Nullable Throwable cause) {
    super(code, path, message, cause);
  }
}
