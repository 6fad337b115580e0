package io.framewise;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The input was refused before anything was decoded, because reading it would make the decoder reach
 * something the caller did not name: a playlist or script that names other files or addresses (HLS,
 * concat, image sequences, ...), a URI whose scheme the detector does not allow, or a URI that is not
 * a plain remote address. See {@code docs/errors.md} (FW-110 to FW-113) and
 * {@code docs/design/0005-input-safety.md}.
 *
 * @since 0.1
 */
public final class RefusedInputException extends MediaException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param code the stable error code
   * @param path the video file, or null for a URI (the message then names it)
   * @param message what is wrong
   * @param cause the underlying failure, or null
   */
  public RefusedInputException(String code, @Nullable Path path, String message, @Nullable Throwable cause) {
    super(code, path, message, cause);
  }
}
