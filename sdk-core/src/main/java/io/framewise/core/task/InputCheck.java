package io.framewise.core.task;

import io.framewise.RefusedInputException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Decides whether a worker may open a task's input: a local file (under a root folder) or an http(s)
 * URI. A worker opens nothing its own configuration does not allow, whatever a task names.
 */
@FunctionalInterface
public interface InputCheck {

  /**
   * Checks an input named by a task ({@link SegmentTask#input()}: an absolute, normalised path or an
   * http(s) URI).
   *
   * @param input the input
   * @throws RefusedInputException (FW-823, or the caller's own code) when it may not be opened
   */
  void check(String input);

  /**
   * Local files under {@code root} only (the root itself resolved to its real path; links that leave it are
   * refused when the file is opened by path below it: the check compares normalised absolute paths).
   *
   * @param root the folder
   * @return the check
   */
  static InputCheck localFilesUnder(Path root) {
    Path r = root.toAbsolutePath().normalize();
    return input -> {
      Objects.requireNonNull(input, "input");
      if (input.startsWith("http://") || input.startsWith("https://")) {
        throw new RefusedInputException("FW-823", null, "segment task refused: its input is remote and this worker opens local files under "
            + r + " only", null);
      }
      Path p = Path.of(input).toAbsolutePath().normalize();
      if (!p.startsWith(r)) {
        throw new RefusedInputException("FW-823", p, "segment task refused: the input is not under " + r
            + ", the folder this worker may read", null);
      }
    };
  }

  /**
   * Exactly one local file: what a local run gives its own tasks.
   *
   * @param file the job's input
   * @return the check
   */
  static InputCheck only(Path file) {
    Path f = file.toAbsolutePath().normalize();
    return input -> {
      if (!f.toString().equals(input)) {
        throw new RefusedInputException("FW-823", f, "segment task refused: its input " + input + " is not this job's", null);
      }
    };
  }
}
