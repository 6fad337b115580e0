package io.framewise.distributed.worker;

import io.framewise.RefusedInputException;
import io.framewise.core.task.InputCheck;
import io.framewise.spi.RemoteVideo;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which inputs a worker may open, from its own configuration (never from a task). By default local
 * files only, anywhere this process can read. {@code --inputs} widens or narrows that: {@code http} and
 * {@code https} add remote URIs of that scheme; {@code file:/DIR} (one or more) narrows local files to
 * those under DIR; {@code file} names the default explicitly. A task naming anything else is refused
 * with FW-823 before anything is opened.
 *
 * <p>Local paths under a root are checked after resolving links ({@link Path#toRealPath}), so a link
 * under a root that points outside it is refused. Models are local files: when roots are given they
 * must be under one of them too. A remote input allowed here is read with HTTP range requests, with
 * the task's scheme only. Refusals name a remote input without its user information or query
 * ({@link RemoteVideo#redact}): a pre-signed URL carries its credentials there.
 */
public final class InputPolicy implements InputCheck {

  private final Set<String> schemes;
  private final boolean anyFile;
  private final List<Path> roots;
  private final String spec;

  private InputPolicy(Set<String> schemes, boolean anyFile, List<Path> roots, String spec) {
    this.schemes = schemes;
    this.anyFile = anyFile;
    this.roots = roots;
    this.spec = spec;
  }

  /** Local files anywhere, nothing remote. */
  public static InputPolicy localFiles() {
    return new InputPolicy(Set.of(), true, List.of(), "file");
  }

  /**
   * Parses {@code --inputs}: a comma-separated list of {@code http}, {@code https}, {@code file} and
   * {@code file:/DIR}.
   *
   * @param spec the list
   * @return the policy
   * @throws IllegalArgumentException for an unknown entry or a root that is not a directory
   */
  public static InputPolicy parse(String spec) {
    Set<String> schemes = new LinkedHashSet<>();
    boolean anyFile = false;
    List<Path> roots = new ArrayList<>();
    for (String raw : spec.split(",")) {
      String e = raw.strip();
      if (e.isEmpty()) {
        continue;
      }
      String lower = e.toLowerCase(Locale.ROOT);
      if (lower.equals("http") || lower.equals("https")) {
        schemes.add(lower);
      } else if (lower.equals("file")) {
        anyFile = true;
      } else if (lower.startsWith("file:")) {
        Path root = Path.of(e.substring("file:".length()));
        if (!root.isAbsolute()) {
          throw new IllegalArgumentException("'" + e + "': a file root must be absolute (file:/data)");
        }
        try {
          roots.add(root.toRealPath());
        } catch (IOException ex) {
          throw new IllegalArgumentException("'" + e + "': " + root + " is not a readable directory");
        }
        if (!Files.isDirectory(root)) {
          throw new IllegalArgumentException("'" + e + "': " + root + " is not a directory");
        }
      } else {
        throw new IllegalArgumentException("'" + e + "' is not an input kind: use http, https, file or file:/DIR");
      }
    }
    if (schemes.isEmpty() && !anyFile && roots.isEmpty()) {
      throw new IllegalArgumentException("no input kind given: use http, https, file or file:/DIR");
    }
    // local files stay allowed (anywhere) unless roots narrow them
    return new InputPolicy(Set.copyOf(schemes), roots.isEmpty(), List.copyOf(roots), spec.strip());
  }

  /** The remote schemes allowed ({@code http}, {@code https}), possibly none. */
  public Set<String> schemes() {
    return schemes;
  }

  /**
   * Checks a task's input: a local path or a remote URI.
   *
   * @param input the input as the task names it: an absolute path, or {@code scheme://...}
   * @throws RefusedInputException (FW-823) if this worker may not open it
   */
  @Override
  public void check(String input) {
    int colon = input.indexOf("://");
    if (colon > 0) {
      String scheme;
      URI uri;
      try {
        uri = URI.create(input);
        scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
      } catch (IllegalArgumentException e) {
        throw refused(input.substring(0, colon) + "://…", "not a valid URI");
      }
      if (scheme.equals("file")) {
        checkLocal(Path.of(URI.create(input)), "input");
        return;
      }
      if (!schemes.contains(scheme)) {
        throw refused(RemoteVideo.redact(uri), "scheme '" + scheme + "' is not allowed by this worker's --inputs " + spec);
      }
      return;
    }
    checkLocal(Path.of(input), "input");
  }

  /**
   * Checks a task's model file.
   *
   * @param model the model path the task names
   * @throws RefusedInputException (FW-823) if it is outside this worker's file roots
   */
  public void checkModel(Path model) {
    if (!roots.isEmpty()) {
      checkLocal(model, "model");
    }
  }

  private void checkLocal(Path p, String what) {
    if (!p.isAbsolute()) {
      throw refused(p.toString(), what + " path is not absolute");
    }
    if (anyFile) {
      return;
    }
    if (roots.isEmpty()) {
      throw refused(p.toString(), "local files are not allowed by this worker's --inputs " + spec);
    }
    Path real;
    try {
      real = p.toRealPath();
    } catch (IOException e) {
      throw refused(p.toString(), what + " does not exist or is not readable on this worker");
    }
    for (Path root : roots) {
      if (real.startsWith(root)) {
        return;
      }
    }
    throw refused(p.toString(), what + " is outside this worker's roots (--inputs " + spec + ")");
  }

  private static RefusedInputException refused(String what, String why) {
    return new RefusedInputException("FW-823", null, what + ": refused by this worker: " + why, null);
  }

  @Override
  public String toString() {
    return spec;
  }
}
