package io.framewise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where {@link DetectionJob#writeJson(Path)} writes, decided before the job reads anything. The rules
 * (documented on {@code writeJson(Path)} and in docs/errors.md):
 * <ul>
 *   <li>the output may not be one of the job's inputs (by any path or link, hard links included: same
 *       file key) nor lie in its checkpoint directory (FW-501);
 *   <li>a directory is refused (FW-502); missing parent folders are created, but a file where a folder
 *       should be is refused (FW-503);
 *   <li>a regular file (or nothing yet) is replaced atomically: through a symbolic link, the file it
 *       points to is replaced and the link stays;
 *   <li>a character device ({@code /dev/null}, a terminal, {@code /dev/stdout}) or a FIFO is written
 *       through, not replaced, and so is a regular file reached through an open descriptor
 *       ({@code /dev/stdout} redirected to a file), appended to; any other special file, and a symbolic
 *       link to nothing, is refused (FW-504).
 * </ul>
 *
 * @param requested the path as the caller gave it (named in messages)
 * @param file where to write: the real file for {@link Kind#FILE} when it exists, else the path as given
 * @param kind how to write
 * @param missingDirs the parent folders that do not exist yet, innermost first (created before the job)
 */
record OutputTarget(Path requested, Path file, Kind kind, List<Path> missingDirs) {

  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFIFO = 0010000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFSOCK = 0140000;

  /** How the output is written. */
  enum Kind {
    /** A regular file: written to a temporary file beside it, moved into place when the job ends. */
    FILE,
    /** A character device, a FIFO or an open descriptor: written through (appending), never replaced. */
    STREAM
  }

  /**
   * Checks {@code requested} against the job's inputs and classifies it; reads file attributes only.
   *
   * @param requested the output file
   * @param inputs the job's input files by what they are ("video", "model", "labels file")
   * @param checkpointDir the job's checkpoint directory, or null
   * @return the target
   * @throws InvalidOutputException if the output cannot be used
   */
  static OutputTarget check(Path requested, Map<String, Path> inputs, @Nullable Path checkpointDir) {
    Path abs = requested.toAbsolutePath();
    BasicFileAttributes attrs = attributes(abs);
    int type = attrs != null && attrs.isOther() ? unixType(abs) : 0;
    if (type != S_IFCHR) { // writing through a terminal or /dev/null destroys nothing, even if it is also read
      for (Map.Entry<String, Path> input : inputs.entrySet()) {
        if (sameFile(abs, input.getValue())) {
          throw new InvalidOutputException("FW-501", requested, "the output is the job's " + input.getKey() + " "
              + input.getValue() + ": writing it would destroy the input; choose another output file");
        }
      }
      if (checkpointDir != null && canonical(abs).startsWith(canonical(checkpointDir.toAbsolutePath()))) {
        throw new InvalidOutputException("FW-501", requested, "the output is in the job's checkpoint directory "
            + checkpointDir + ", whose files the job writes and deletes; choose a file outside it");
      }
    }
    if (attrs == null) {
      if (Files.isSymbolicLink(abs)) {
        throw new InvalidOutputException("FW-504", requested, "the output is a symbolic link to a file that does not exist");
      }
      return new OutputTarget(requested, abs, Kind.FILE, missingParents(requested, abs));
    }
    if (attrs.isDirectory()) {
      throw new InvalidOutputException("FW-502", requested, "the output is a directory; name a file");
    }
    if (attrs.isRegularFile() && viaDescriptor(abs)) {
      // /dev/stdout redirected to a file (maybe with >>): an open descriptor of someone else's, appended to
      return new OutputTarget(requested, abs, Kind.STREAM, List.of());
    }
    if (attrs.isRegularFile()) {
      Path real;
      try {
        real = abs.toRealPath(); // through a symbolic link: replace the file it points to, keep the link
      } catch (IOException e) {
        real = abs;
      }
      return new OutputTarget(requested, real, Kind.FILE, List.of());
    }
    if (type == S_IFCHR || type == S_IFIFO) {
      return new OutputTarget(requested, abs, Kind.STREAM, List.of());
    }
    String what = switch (type) {
      case S_IFBLK -> "a block device";
      case S_IFSOCK -> "a socket";
      default -> "a special file";
    };
    throw new InvalidOutputException("FW-504", requested, "the output is " + what
        + "; only regular files, character devices (such as /dev/null) and FIFOs can be written");
  }

  /**
   * Tells whether {@code abs}, or a symbolic link on its way, names an open file descriptor
   * ({@code /dev/stdout}, {@code /dev/fd/N}, {@code /proc/self/fd/N}): such a file belongs to whoever opened
   * it and is written through, never replaced.
   */
  private static boolean viaDescriptor(Path abs) {
    Path p = abs;
    for (int hops = 0; hops < 40; hops++) {
      String s = p.normalize().toString();
      if (s.equals("/dev/stdout") || s.equals("/dev/stderr") || s.startsWith("/dev/fd/") || s.startsWith("/proc/")) {
        return true;
      }
      if (!Files.isSymbolicLink(p)) {
        return false;
      }
      try {
        Path parent = p.getParent();
        Path target = Files.readSymbolicLink(p);
        p = parent == null ? target : parent.resolve(target);
      } catch (IOException e) {
        return false;
      }
    }
    return false;
  }

  /** The parent folders of {@code abs} that do not exist, innermost first; refuses a file in their place. */
  private static List<Path> missingParents(Path requested, Path abs) {
    List<Path> missing = new ArrayList<>();
    for (Path dir = abs.getParent(); dir != null; dir = dir.getParent()) {
      BasicFileAttributes a = attributes(dir);
      if (a == null) {
        if (Files.isSymbolicLink(dir)) {
          throw new InvalidOutputException("FW-503", requested, "the output's folder " + dir + " is a symbolic link to nothing");
        }
        missing.add(dir);
        continue;
      }
      if (!a.isDirectory()) {
        throw new InvalidOutputException("FW-503", requested, "the output's folder " + dir + " is not a directory");
      }
      break;
    }
    return List.copyOf(missing);
  }

  /** The file's attributes, links followed; null when nothing is there (or it cannot be examined). */
  private static @Nullable BasicFileAttributes attributes(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Tells whether {@code p} is a FIFO (links followed), whose opening for writing waits for a reader.
   *
   * @param p the output file
   * @return true for a FIFO
   */
  static boolean isFifo(Path p) {
    return unixType(p) == S_IFIFO;
  }

  /** The file type bits of {@code st_mode} (links followed), or 0 where the platform does not say. */
  private static int unixType(Path p) {
    try {
      return ((Integer) Files.getAttribute(p, "unix:mode")) & S_IFMT;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
      return 0;
    }
  }

  /** Same file by path, link or file key (hard links, case-insensitive names); false if either is missing. */
  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b.toAbsolutePath());
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  /** The real path of the longest existing prefix of {@code abs}, the rest appended and normalized. */
  private static Path canonical(Path abs) {
    Path existing = abs;
    Path rest = null;
    while (existing != null) {
      try {
        Path real = existing.toRealPath();
        return (rest == null ? real : real.resolve(rest)).normalize();
      } catch (IOException e) {
        Path name = existing.getFileName();
        rest = rest == null ? name : name.resolve(rest);
        existing = existing.getParent();
      }
    }
    return abs.normalize();
  }
}
