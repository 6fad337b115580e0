package io.framewise.gpu;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extracts ONNX Runtime's native libraries once into a per-user, per-version cache and points ONNX
 * Runtime at it ({@code onnxruntime.native.path}), instead of letting every process copy 31 MB (and
 * 580 MB more for CUDA) into an {@code onnxruntime-java*} folder of the temporary directory, which a
 * killed process leaves behind and every process leaves as an empty folder.
 *
 * <p>The cache is {@code <root>/onnxruntime-<version>-<platform>-<build>}, where the root is the
 * system property {@value #CACHE_PROPERTY}, else {@code $XDG_CACHE_HOME/framewise}, else
 * {@code ~/.cache/framewise} ({@code %LOCALAPPDATA%\framewise} on Windows). The folder is private to
 * its user (0700; a folder that another user owns or can write to is refused). A library is written
 * under a temporary name and moved into place, so a killed extraction never leaves a half library
 * under the final name, and concurrent processes agree. When the cache cannot be used (read-only home,
 * unsafe folder), or when the user set {@code onnxruntime.native.path} already, ONNX Runtime's own
 * loading is left alone (with a warning in the first case). ONNX Runtime 1.29 also creates an empty
 * {@code onnxruntime-java*} folder at start whatever the settings; {@link #removeStartFolder()} removes it.
 *
 * <h2>Thread safety</h2>
 * Thread-safe; {@link #prepare()} runs once per class loader.
 */
final class OnnxNatives {

  /** System property naming the cache root. */
  static final String CACHE_PROPERTY = "framewise.onnxruntime.cacheDir";
  private static final String NATIVE_PATH = "onnxruntime.native.path";
  /** Loaded when ONNX Runtime starts (the provider bridge too, which it looks for beside the others). */
  private static final List<String> CORE = List.of("onnxruntime", "onnxruntime4j_jni", "onnxruntime_providers_shared");
  private static final long STALE_TMP_MILLIS = 3_600_000;

  private static final Logger LOG = LoggerFactory.getLogger(OnnxNatives.class);

  private static boolean prepared;
  private static @Nullable Path cache;
  private static @Nullable String resources;

  private OnnxNatives() {}

  /**
   * Points ONNX Runtime at the cache, extracting the libraries it loads at start when they are missing.
   * Call before anything touches ONNX Runtime; later calls do nothing.
   *
   * @return the cache folder in use, or null when ONNX Runtime loads its libraries its own way
   */
  static synchronized @Nullable Path prepare() {
    if (prepared) {
      return cache;
    }
    prepared = true;
    if (System.getProperty(NATIVE_PATH) != null
        || System.getProperty("onnxruntime.native.onnxruntime.path") != null) {
      return null; // the user decided where the libraries come from
    }
    String platform = platform();
    String dir = "/ai/onnxruntime/native/" + platform + "/";
    URL core = OrtEnvironment.class.getResource(dir + System.mapLibraryName("onnxruntime"));
    if (platform.isEmpty() || core == null) {
      return null; // not in the jar: ONNX Runtime looks on the library path
    }
    Path folder = null;
    try {
      String version = OrtEnvironment.class.getPackage().getImplementationVersion();
      long build = size(core) * 31 + size(OrtEnvironment.class.getResource(dir + System.mapLibraryName("onnxruntime4j_jni")));
      folder = root().resolve("onnxruntime-" + (version == null ? "unknown" : version) + "-" + platform + "-"
          + Long.toHexString(build));
      privateFolder(folder);
      deleteStaleTemporaries(folder);
      for (String library : CORE) {
        extract(folder, dir, library);
      }
      System.setProperty(NATIVE_PATH, folder.toString());
      cache = folder;
      resources = dir;
      LOG.debug("ONNX Runtime native libraries from {}", folder);
      return folder;
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot use {} to cache ONNX Runtime's native libraries ({}); it extracts them to the temporary "
          + "directory instead. Set -D{} to a private folder.", folder == null ? "the cache" : folder, e.getMessage(), CACHE_PROPERTY);
      return null;
    }
  }

  /**
   * Puts an execution provider's library (for example {@code onnxruntime_providers_cuda}) into the
   * cache before the provider is added, so that ONNX Runtime finds it there instead of extracting it
   * to the temporary directory. Does nothing without a cache, or when the jar does not have it.
   *
   * @param library the library's bare name
   */
  static synchronized void prepareProvider(String library) {
    Path folder = cache;
    if (folder == null || resources == null) {
      return;
    }
    try {
      extract(folder, resources, library);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot put {} into {}: {}", library, folder, e.getMessage());
    }
  }

  /**
   * Removes the folder ONNX Runtime creates in the temporary directory at start whatever
   * {@code onnxruntime.native.path} says (1.29 creates it always and deletes it only when the JVM exits,
   * so a killed process leaves it). With the cache it stays empty, and nothing uses it after start.
   * Call once ONNX Runtime has started; does nothing without the cache.
   */
  static synchronized void removeStartFolder() {
    if (cache == null) {
      return; // ONNX Runtime extracted its libraries there, and cleans up on its own
    }
    try {
      Field field = Class.forName("ai.onnxruntime.OnnxRuntime", false, OrtEnvironment.class.getClassLoader())
          .getDeclaredField("tempDirectory");
      field.setAccessible(true);
      if (field.get(null) instanceof Path folder && folder.getFileName().toString().startsWith("onnxruntime-java")) {
        Files.deleteIfExists(folder); // only when empty: DirectoryNotEmptyException otherwise
      }
    } catch (ReflectiveOperationException | IOException | RuntimeException e) {
      LOG.debug("cannot remove ONNX Runtime's start folder (it goes when the JVM exits): {}", e.toString());
    }
  }

  private static void extract(Path folder, String dir, String library) throws IOException {
    String file = System.mapLibraryName(library);
    URL resource = OrtEnvironment.class.getResource(dir + file);
    if (resource == null) {
      return;
    }
    Path target = folder.resolve(file);
    long expected = size(resource);
    if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && (expected < 0 || Files.size(target) == expected)) {
      return;
    }
    Path tmp = folder.resolve("." + file + "." + ProcessHandle.current().pid() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    try (InputStream in = resource.openStream()) {
      Files.copy(in, tmp);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    LOG.debug("extracted {} to {}", file, target);
  }

  /**
   * The cache root; always absolute: a relative one (a user without a home directory gets
   * {@code user.home = "?"}) would put the cache in whatever folder the process runs in.
   *
   * @throws IOException if the root named by the settings is not an absolute path
   */
  static Path root() throws IOException {
    Path root = configuredRoot();
    if (!root.isAbsolute()) {
      throw new IOException("the cache folder " + root + " is not an absolute path (no home directory?)");
    }
    return root;
  }

  private static Path configuredRoot() {
    String configured = System.getProperty(CACHE_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, "framewise");
    }
    String local = System.getenv("LOCALAPPDATA");
    if (platform().startsWith("win") && local != null && !local.isBlank()) {
      return Path.of(local, "framewise");
    }
    return Path.of(String.valueOf(System.getProperty("user.home")), ".cache", "framewise");
  }

  /** Creates the folder for this user only, or checks that an existing one is this user's alone. */
  private static void privateFolder(Path folder) throws IOException {
    Files.createDirectories(folder.getParent());
    boolean posix = Files.getFileAttributeView(folder.getParent(), PosixFileAttributeView.class) != null;
    try {
      if (posix) {
        Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectory(folder);
      }
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(folder + " is not a folder");
    }
    if (posix) {
      PosixFileAttributes attributes = Files.readAttributes(folder, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Set<PosixFilePermission> p = attributes.permissions();
      if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException(folder + " is writable by other users");
      }
      String me = System.getProperty("user.name");
      if (me != null && !attributes.owner().getName().equals(me)) {
        throw new IOException(folder + " belongs to " + attributes.owner().getName() + ", not to " + me);
      }
    }
  }

  /** Removes what an extraction killed half-way left (older than an hour, so a running one's file stays). */
  private static void deleteStaleTemporaries(Path folder) {
    long cutoff = System.currentTimeMillis() - STALE_TMP_MILLIS;
    try (Stream<Path> files = Files.list(folder)) {
      files.filter(f -> f.getFileName().toString().endsWith(".tmp")).forEach(f -> {
        try {
          if (Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toMillis() < cutoff) {
            Files.deleteIfExists(f);
          }
        } catch (IOException ignored) {
          // best effort
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static long size(@Nullable URL resource) throws IOException {
    if (resource == null) {
      return 0;
    }
    URLConnection connection = resource.openConnection();
    connection.setUseCaches(false);
    long n = connection.getContentLengthLong();
    try {
      connection.getInputStream().close();
    } catch (IOException ignored) {
      // only the length was wanted
    }
    return n;
  }

  /** The jar's folder name for this machine, as ONNX Runtime computes it ({@code linux-x64}, ...), or "". */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String o = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : os.contains("nux") ? "linux" : "";
    String a = arch.startsWith("amd64") || arch.startsWith("x86_64") ? "x64" : arch.startsWith("aarch64") ? "aarch64" : "";
    return o.isEmpty() || a.isEmpty() ? "" : o + "-" + a;
  }
}
