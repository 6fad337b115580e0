package io.framewise;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The file is readable but holds nothing Framewise can process, for example no video stream or a
 * codec the decoder does not have.
 *
 * @since 0.1
 */
public final class UnsupportedMediaException extends MediaException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param code the stable error code
   * @param path the video file, or null for a remote input (the message then names its URI)
   * @param message what is wrong
   * @param cause the underlying failure, or null
   */
  public UnsupportedMediaException(String code, @Nullable Path path, String message, @Nullable Throwable cause) {
    super(code, path, message, cause);
  }
}
