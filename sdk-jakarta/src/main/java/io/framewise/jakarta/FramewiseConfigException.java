package io.framewise.jakarta;

import io.framewise.Printable;

/**
 * A configuration value that Framewise cannot use: a key set to something that is not a valid value
 * ({@code FW-870}), a configured file that cannot be read ({@code FW-871}), or a configured JNDI name
 * that names no thread factory or executor ({@code FW-872}). Thrown when the container creates the
 * detector, so a misconfigured application fails at startup, not at its first job. The message names
 * the key, the value, where it came from and what is wrong, and ends with the code.
 *
 * <p>An {@link IllegalArgumentException}, like every bad option value given to Framewise's builders.
 *
 * @since 0.1
 */
public final class FramewiseConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String code;
  private final String key;

  FramewiseConfigException(String code, String key, String message, Throwable cause) {
    super(Printable.escape(message + " (" + code + ")"), cause);
    this.code = code;
    this.key = key;
  }

  FramewiseConfigException(String code, String key, String message) {
    super(Printable.escape(message + " (" + code + ")"));
    this.code = code;
    this.key = key;
  }

  /**
   * Returns the stable error code, {@code FW-870} to {@code FW-872}, listed in {@code docs/errors.md}.
   *
   * @return the code
   */
  public String code() {
    return code;
  }

  /**
   * Returns the configuration key whose value is at fault, for example {@code framewise.threads}.
   *
   * @return the key
   */
  public String key() {
    return key;
  }
}
