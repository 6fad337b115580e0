package io.framewise;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The model cannot be used: missing, not a valid ONNX file, an output layout that no supported
 * family matches (the message then lists the model's inputs and outputs), or a failing inference.
 *
 * @since 0.1
 */
public final class ModelException extends VideoDetectorException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param code the stable error code
   * @param path the model file, or null when the model was not loaded from a file
   * @param message what is wrong
   * @param cause the underlying failure, or null
   */
  public ModelException(String code, @Nullable Path path, String message, @Nullable Throwable cause) {
    super(code, path, message, cause);
  }
}
