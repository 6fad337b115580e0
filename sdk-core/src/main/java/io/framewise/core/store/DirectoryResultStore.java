package io.framewise.core.store;

import io.framewise.DetectorIOException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ResultStore} in a directory: each result is one committed {@link SpillFile} named
 * {@code segment-NNNNNN.fws} after its segment number, in a folder named after the job fingerprint's
 * hex ({@link #shared}: many jobs, many instances on a shared mount) or directly in the directory
 * ({@link #forJob}: one job, as a checkpoint or a run's spill directory is). Names are derived from the
 * fingerprint's hex and the segment number only, never from user input.
 *
 * <p>A result is written to a temporary file in the same folder, forced to disk, and put in place with
 * a hard link, which fails when the name is taken: put if absent, atomic, also between processes on a
 * POSIX file system (where links are not supported, a checked rename, atomic but racy between two
 * writers of one key). A name found taken is read: an identical result (same digest) makes the put a
 * no-op, a damaged one is replaced, a differing sound one is reported ({@code FW-824}) and kept.
 * Only files under the store's own names are ever deleted.
 */
public final class DirectoryResultStore implements ResultStore {

  private static final Logger LOG = LoggerFactory.getLogger(DirectoryResultStore.class);
  private static final Pattern SEGMENT_FILE = Pattern.compile("segment-(\\d{6})\\.fws");

  private final Path dir;
  private final @Nullable String onlyJob;
  private final boolean uniqueTemporaries;

  private DirectoryResultStore(Path dir, @Nullable String onlyJob, boolean uniqueTemporaries) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.onlyJob = onlyJob;
    this.uniqueTemporaries = uniqueTemporaries;
  }

  /**
   * A store for many jobs: results under {@code dir/<job fingerprint hex>/segment-NNNNNN.fws}; several
   * processes may write it at once (temporary files have unique names).
   *
   * @param dir the store's directory (created when missing)
   * @return the store
   */
  public static DirectoryResultStore shared(Path dir) {
    return new DirectoryResultStore(dir, null, true);
  }

  /**
   * A store for one job's results directly in {@code dir} (a checkpoint or a spill directory): keys of
   * other jobs are refused.
   *
   * @param dir the directory
   * @param job the job fingerprint's hex
   * @return the store
   */
  public static DirectoryResultStore forJob(Path dir, String job) {
    new ResultKey(job, 0, 0, 0); // validates the hex
    return new DirectoryResultStore(dir, job, false);
  }

  /**
   * The file a key's result is stored in.
   *
   * @param key the key
   * @return its path
   */
  public Path file(ResultKey key) {
    return folder(key.job()).resolve(String.format("segment-%06d.fws", key.segment()));
  }

  private Path folder(String job) {
    if (onlyJob != null) {
      if (!onlyJob.equals(job)) {
        throw new IllegalArgumentException("this store holds job " + onlyJob.substring(0, 16) + "... only, not " + job.substring(0, 16) + "...");
      }
      return dir;
    }
    new ResultKey(job, 0, 0, 0); // validates the hex: the folder name is never anything else
    return dir.resolve(job);
  }

  @Override
  public Upload create(ResultKey key) throws IOException {
    Path target = file(key);
    Files.createDirectories(target.getParent());
    Path tmp = uniqueTemporaries
        ? target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp")
        : target.resolveSibling(target.getFileName() + ".tmp");
    SpillFile.Writer w = new SpillFile.Writer(target, tmp, key.header());
    return new Upload() {
      @Override
      public void frame(io.framewise.FrameDetections frame) throws IOException {
        w.frame(frame);
      }

      @Override
      public SegmentResult commit(SpillFile.Trailer trailer) throws IOException {
        byte[] digest = w.finish(trailer);
        SegmentResult mine = new SegmentResult(key, trailer.decoded(), trailer.processed(), trailer.failed(), trailer.detections(),
            trailer.errors(), HexFormat.of().formatHex(digest));
        try {
          return putIfAbsent(key, w.tmp(), target, mine);
        } finally {
          w.committed();
          Files.deleteIfExists(w.tmp());
        }
      }

      @Override
      public void close() throws IOException {
        w.close();
      }
    };
  }

  /** Puts {@code tmp} in place under {@code target} unless a sound result is there; then compares. */
  private SegmentResult putIfAbsent(ResultKey key, Path tmp, Path target, SegmentResult mine) throws IOException {
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        try {
          Files.createLink(target, tmp); // fails if the name is taken: put if absent
        } catch (UnsupportedOperationException | FileSystemException e) {
          if (e instanceof FileAlreadyExistsException f) {
            throw f;
          }
          if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString());
          }
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
        return mine;
      } catch (FileAlreadyExistsException taken) {
        SegmentResult there;
        try {
          there = check(key);
        } catch (SpillFile.DamagedException e) {
          LOG.warn("result {} is damaged ({}); replacing it", target, e.getMessage());
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          return mine;
        }
        if (there == null) {
          continue; // removed meanwhile: try again
        }
        if (there.digest().equals(mine.digest())) {
          LOG.debug("result {} already stored, identical", target);
          return there;
        }
        throw new DetectorIOException("FW-824", target, "segment " + key.segment() + " of job " + key.job().substring(0, 16)
            + "... is already stored with different content (digest " + there.digest().substring(0, 16) + "..., this run's "
            + mine.digest().substring(0, 16) + "...): the same task gave different results; the stored one is kept", null);
      }
    }
    throw new IOException("cannot put " + target + ": it keeps appearing and disappearing");
  }

  @Override
  public boolean contains(ResultKey key) {
    return Files.isRegularFile(file(key), LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public @Nullable SegmentResult check(ResultKey key) throws IOException {
    Path f = file(key);
    if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    return replay(key, frame -> {});
  }

  @Override
  public SegmentResult replay(ResultKey key, FrameConsumer sink) throws IOException {
    Path f = file(key);
    if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoSuchFileException(f.toString(), null, "no result stored for segment " + key.segment());
    }
    SpillFile.Read r = SpillFile.read(f, key.header(), sink::accept);
    SpillFile.Trailer t = r.trailer();
    return new SegmentResult(key, t.decoded(), t.processed(), t.failed(), t.detections(), t.errors(), HexFormat.of().formatHex(r.digest()));
  }

  @Override
  public IntStream list(String job) throws IOException {
    Path folder = folder(job);
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      return IntStream.empty();
    }
    Stream<Path> files = Files.list(folder);
    return files.map(p -> SEGMENT_FILE.matcher(p.getFileName().toString()))
        .filter(Matcher::matches)
        .mapToInt(m -> Integer.parseInt(m.group(1)))
        .onClose(files::close);
  }

  @Override
  public void delete(ResultKey key) throws IOException {
    Files.deleteIfExists(file(key));
  }

  @Override
  public String toString() {
    return "DirectoryResultStore[" + dir + (onlyJob != null ? ", one job" : "") + "]";
  }
}
