package io.framewise;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A problem met during a job that did not stop it, for example a frame that failed to decode.
 *
 * @param code a stable error code such as {@code FW-105}, listed in {@code docs/errors.md}
 * @param message what went wrong, in one line
 * @param frameId the frame it concerns, when known
 * @param ptsMs the presentation time it concerns in milliseconds, when known
 * @since 0.1
 */
public record JobError(String code, String message, @Nullable Long frameId, @Nullable Double ptsMs) {

  /** Validates the fields. */
  public JobError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }
}
