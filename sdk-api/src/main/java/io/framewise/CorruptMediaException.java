package io.framewise;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The file is missing, empty, not a media file, truncated or damaged beyond what the decoder can
 * skip.
 *
 * @since 0.1
 */
public final class CorruptMediaException extends MediaException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param code the stable error code
   * @param path the video file, or null for a remote input (the message then names its URI)
   * @param message what is wrong
   * @param cause the underlying failure, or null
   */
  public CorruptMediaException(String code, @Nullable Path path, String message, @Nullable Throwable cause) {
    super(code, path, message, cause);
  }
}
