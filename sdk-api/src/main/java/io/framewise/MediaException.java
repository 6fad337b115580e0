package io.framewise;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The video cannot be read: it is missing, empty, not a video, corrupt or of an unsupported kind.
 *
 * @since 0.1
 */
public abstract sealed class MediaException extends VideoDetectorException
    permits UnsupportedMediaException, CorruptMediaException, RefusedInputException {

  private static final long serialVersionUID = 1L;

  MediaException(String code, @Nullable Path path, String message, @Nullable Throwable cause) {
    super(code, path, message, cause);
  }
}
