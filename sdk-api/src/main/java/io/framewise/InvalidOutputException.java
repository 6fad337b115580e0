package io.framewise;

import java.nio.file.Path;

/**
 * The output file given to {@link DetectionJob#writeJson(Path)} cannot be used, found before anything
 * is read or written: it is one of the job's inputs (the video, the model, the labels file) or lies in
 * its checkpoint directory, whatever path, symbolic link or hard link leads there (FW-501); it is a
 * directory (FW-502); a folder on its path is a file (FW-503); or it is a special file that cannot be
 * written through, such as a block device or a socket, or a symbolic link to nothing (FW-504).
 * The caller's files are left as they were.
 *
 * @since 0.1
 */
public final class InvalidOutputException extends VideoDetectorException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param code the stable error code
   * @param path the output file, as the caller gave it
   * @param message what is wrong
   */
  public InvalidOutputException(String code, Path path, String message) {
    super(code, path, message, null);
  }
}
