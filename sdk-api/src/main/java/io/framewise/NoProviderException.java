package io.framewise;

import org.jspecify.annotations.Nullable;

/**
 * No implementation of an extension point (decoder, model adapter, result writer, engine) could be
 * found or used; the message lists every candidate and why it was rejected.
 *
 * @since 0.1
 */
public final class NoProviderException extends VideoDetectorException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the extension point and the rejected candidates
   * @param cause the underlying failure, or null
   */
  public NoProviderException(String message, @Nullable Throwable cause) {
    super("FW-400", null, message, cause);
  }
}
