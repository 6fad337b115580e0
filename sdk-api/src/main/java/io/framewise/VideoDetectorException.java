package io.framewise;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Root of every failure Framewise reports. Messages name the file and the problem and end with a
 * stable code, for example {@code (FW-102)}, explained in {@code docs/errors.md}. Control characters in
 * messages (a file name can hold any) are shown escaped, never raw: see {@link Printable}.
 *
 * <p>Public API methods throw no checked exceptions; programmer errors use the JDK's
 * {@link NullPointerException}, {@link IllegalArgumentException} and {@link IllegalStateException}.
 *
 * @since 0.1
 */
public abstract sealed class VideoDetectorException extends RuntimeException
    permits MediaException, ModelException, ResourceLimitException, NoProviderException, DetectorIOException,
        InvalidOutputException, JobCancelledException {

  private static final long serialVersionUID = 1L;

  private final String code;
  private final transient @Nullable Path path;

  VideoDetectorException(String code, @Nullable Path path, String message, @Nullable Throwable cause) {
    super(format(code, path, message), cause);
    this.code = code;
    this.path = path;
  }

  /** The path, the message and the code; control characters (from file names) escaped by {@link Printable}. */
  private static String format(String code, @Nullable Path path, String message) {
    return Printable.escape((path == null ? "" : path + ": ") + message + " (" + code + ")");
  }

  /**
   * Returns the stable error code, for example {@code FW-102}.
   *
   * @return the code
   */
  public String code() {
    return code;
  }

  /**
   * Returns the file the failure concerns, when there is one.
   *
   * @return the file, or null
   */
  public @Nullable Path path() {
    return path;
  }
}
