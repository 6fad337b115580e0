package io.framewise;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A configured budget (memory, GPU memory) cannot hold the job; the message says what to change.
 *
 * @since 0.1
 */
public final class ResourceLimitException extends VideoDetectorException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param code the stable error code
   * @param path the video concerned, or null
   * @param message what does not fit and what to change
   */
  public ResourceLimitException(String code, @Nullable Path path, String message) {
    super(code, path, message, null);
  }
}
