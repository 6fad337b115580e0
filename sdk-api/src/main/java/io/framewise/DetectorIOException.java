package io.framewise;

import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * An I/O failure outside the video and the model, for example while writing the output.
 *
 * @since 0.1
 */
public final class DetectorIOException extends VideoDetectorException {

  private static final long serialVersionUID = 1L;

  /**
   * Wraps an I/O failure.
   *
   * @param path the file concerned, or null (for example a caller's output stream)
   * @param message what was being done
   * @param cause the I/O failure
   */
  public DetectorIOException(@Nullable Path path, String message, IOException cause) {
    super("FW-500", path, message + ": " + cause.getMessage(), cause);
  }

  @Override
  public synchronized IOException getCause() {
    return (IOException) super.getCause();
  }
}
