package io.framewise.distributed.broker;

import org.jspecify.annotations.Nullable;

/**
 * The development broker did not start, or did not become ready in time. The message names the
 * data directory or the address.
 */
public final class DevBrokerException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed, naming the data directory or address
   */
  public DevBrokerException(String message) {
    super(message);
  }

  /**
   * @param message what failed, naming the data directory or address
   * @param cause the underlying failure
   */
  public DevBrokerException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
