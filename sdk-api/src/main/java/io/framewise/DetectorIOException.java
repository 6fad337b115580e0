package io.framewise;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * An I/O failure outside the video and the model, for example while writing the output, or a
 * checkpoint directory that cannot be used.
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
    super("FW-500", path, message + ": " + describe(cause), cause);
  }

  /** The failure in words: the JDK leaves the reason out of some file-system exceptions (access denied, ...). */
  private static String describe(IOException e) {
    if (e instanceof FileSystemException f && f.getReason() == null) {
      String reason = e instanceof AccessDeniedException ? "permission denied"
          : e instanceof NoSuchFileException ? "no such file or directory"
          : e instanceof FileAlreadyExistsException ? "it already exists"
          : e instanceof NotDirectoryException ? "not a directory"
          : e instanceof DirectoryNotEmptyException ? "directory not empty"
          : e.getClass().getSimpleName();
      return f.getFile() == null ? reason : f.getMessage() + ": " + reason;
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /**
   * Reports an I/O problem that has its own code, for example a checkpoint directory that is not a
   * writable directory (FW-600, FW-601).
   *
   * @param code the stable code
   * @param path the file or directory concerned, or null
   * @param message what is wrong, complete (the cause's message is not appended)
   * @param cause the I/O failure, or null when the problem was found without one
   * @since 0.1
   */
  public DetectorIOException(String code, @Nullable Path path, String message, @Nullable IOException cause) {
    super(code, path, message, cause);
  }

  @Override
  public synchronized @Nullable IOException getCause() {
    return (IOException) super.getCause();
  }
}
