package io.framewise;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The job ran past its {@linkplain DetectionJob#timeout(Duration) timeout} and was stopped. Code
 * {@code FW-701}. It ends exactly as a {@linkplain JobCancelledException cancelled} job does (it is
 * one: worker threads ended, no temporary or partial file left, checkpointed segments kept), and the
 * calling thread's interrupt status is left clear.
 *
 * @since 0.3
 */
public final class JobTimeoutException extends JobCancelledException {

  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  /**
   * Reports a job stopped by its timeout.
   *
   * @param path the video of the job, or null
   * @param timeout the timeout it ran past
   * @param cause what the stop interrupted, or null
   */
  public JobTimeoutException(@Nullable Path path, Duration timeout, @Nullable Throwable cause) {
    super("FW-701", path, "the job ran past its timeout of " + timeout + " and was stopped", cause);
    this.timeout = timeout;
  }

  /**
   * Returns the timeout the job ran past.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }
}
