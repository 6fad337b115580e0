package io.framewise.core.store;

import io.framewise.DetectorIOException;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal of a resumable job: {@code job.properties} holds the job's {@link JobFingerprint} (its
 * hash and canonical form: input identity, model content, every setting that shapes the output); each
 * completed segment is one committed {@link SpillFile} ({@code segment-NNNNNN.fws}) whose header names
 * the fingerprint, segment and frame range and whose content is checksummed, moved into place
 * atomically after being forced to disk. A job started again with the same fingerprint skips the
 * segments whose files check out; a damaged or foreign segment file is discarded and recomputed, and a
 * changed fingerprint discards the whole checkpoint, each with a WARN line saying why. Only files
 * under Framewise's own names are ever deleted.
 */
public final class Checkpoint {

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);
  private static final String JOB = "job.properties";
  private static final Pattern OWN_FILE = Pattern.compile("segment-\\d{6}\\.fws(\\.tmp)?");

  private final Path dir;
  private final Path video;
  private final JobFingerprint fingerprint;
  private final DirectoryResultStore store;

  private Checkpoint(Path dir, Path video, JobFingerprint fingerprint) {
    this.dir = dir;
    this.video = video;
    this.fingerprint = fingerprint;
    this.store = DirectoryResultStore.forJob(dir, fingerprint.hex());
  }

  /** The checkpoint's segment files as a result store of this job (the same names: {@code segment-NNNNNN.fws}). */
  public DirectoryResultStore store() {
    return store;
  }

  /**
   * Makes sure {@code dir} is a directory this job can write to, creating it if missing, before any
   * decoding starts.
   *
   * @throws DetectorIOException FW-600 if it (or a folder above it) is not a directory, FW-601 if it cannot
   *     be created or written to; the message names the directory and the reason
   */
  public static void checkDirectory(Path dir, Path video) {
    String what = "cannot keep the checkpoint of " + video.getFileName() + " here: ";
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
      throw new DetectorIOException("FW-600", dir, what + "it is " + kind(dir) + ", not a directory", null);
    }
    if (!Files.isDirectory(dir)) {
      Path existing = dir.toAbsolutePath().normalize().getParent();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing != null && !Files.isDirectory(existing)) {
        throw new DetectorIOException("FW-600", dir, what + "it cannot be created because " + existing + " is " + kind(existing)
            + ", not a directory", null);
      }
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new DetectorIOException("FW-601", dir, what + "it cannot be created: " + reason(e), e);
      }
    }
    try {
      Path probe = Files.createTempFile(dir, ".framewise-probe-", ".tmp");
      Files.delete(probe);
    } catch (IOException e) {
      throw new DetectorIOException("FW-601", dir, what + "it is not writable: " + reason(e), e);
    }
  }

  private static String kind(Path p) {
    if (Files.isRegularFile(p)) {
      return "a regular file";
    }
    return Files.isSymbolicLink(p) ? "a broken symbolic link" : "a special file (device, FIFO or socket)";
  }

  private static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  public static Checkpoint open(Path dir, Path video, JobFingerprint fingerprint) throws IOException {
    Files.createDirectories(dir);
    Path job = dir.resolve(JOB);
    Checkpoint c = new Checkpoint(dir, video, fingerprint);
    if (Files.exists(job, LinkOption.NOFOLLOW_LINKS)) {
      String why = c.differenceFrom(job);
      if (why == null) {
        LOG.info("{}: resuming from checkpoint {} ({} segment file(s) found)", video.getFileName(), dir, c.segmentFileCount());
        return c;
      }
      LOG.warn("{}: checkpoint {} is not for this job ({}); discarding it and starting over", video.getFileName(), dir, why);
      c.clearSegments();
    }
    Properties wanted = new Properties();
    wanted.setProperty("fingerprint", fingerprint.hex());
    wanted.setProperty("canonical", fingerprint.canonicalForm());
    Path tmp = dir.resolve(JOB + ".tmp");
    Files.deleteIfExists(tmp); // a link left there is removed, never written through
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        OutputStream out = Channels.newOutputStream(ch)) {
      wanted.store(out, "Framewise checkpoint: the job these segments belong to");
      out.flush();
      ch.force(true);
    }
    Files.move(tmp, job, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return c;
  }

  /** Why the journal found is not this job's, or null when it is. */
  private @Nullable String differenceFrom(Path job) {
    Properties found = new Properties();
    try (InputStream in = Files.newInputStream(job, LinkOption.NOFOLLOW_LINKS)) {
      found.load(in);
    } catch (IOException | IllegalArgumentException e) {
      return "its journal " + JOB + " cannot be read: " + e.getMessage();
    }
    String hex = found.getProperty("fingerprint");
    if (fingerprint.hex().equals(hex)) {
      return null;
    }
    String canonical = found.getProperty("canonical");
    if (canonical != null) {
      try {
        JobFingerprint earlier = JobFingerprint.parse(canonical);
        if (earlier.hex().equals(hex)) {
          return fingerprint.differenceFrom(earlier);
        }
      } catch (IllegalArgumentException e) {
        // fall through: not a journal of this version, or damaged
      }
    }
    return "its journal " + JOB + " is damaged or from another version (fingerprint " + hex + ", now " + fingerprint.hex() + ")";
  }

  public Path segmentFile(int segment) {
    return store.file(key(fingerprint, segment(segment)));
  }

  private static VideoIndex.Segment segment(int index) {
    return new VideoIndex.Segment(index, 0, 0, 0, 0, 0, 0, new int[0]); // names depend on the number alone
  }

  /** The key a segment's result has in the store. */
  public static ResultKey key(JobFingerprint fingerprint, VideoIndex.Segment segment) {
    return new ResultKey(fingerprint.hex(), segment.index(), segment.firstFrameId(), segment.frameCount());
  }

  /** The header a segment's file must carry. */
  public SpillFile.Header header(VideoIndex.Segment segment) {
    return header(fingerprint, segment);
  }

  public static SpillFile.Header header(JobFingerprint fingerprint, VideoIndex.Segment segment) {
    return new SpillFile.Header(fingerprint.hex(), segment.index(), segment.firstFrameId(), segment.frameCount());
  }

  /**
   * What the result of a segment completed by an earlier run (a committed file of this job and segment whose
   * checksum matches), read once here so that the run need not read the file again to learn whether it
   * met damage; null when there is none. A file that is not sound is deleted, with a WARN line, so the
   * segment is recomputed.
   */
  public @Nullable SegmentResult done(VideoIndex.Segment segment) throws IOException {
    ResultKey key = key(fingerprint, segment);
    Path f = store.file(key);
    if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    String damage;
    try {
      return store.check(key);
    } catch (SpillFile.DamagedException e) {
      damage = e.getMessage();
    } catch (IOException | RuntimeException e) {
      damage = "it cannot be read: " + e;
    }
    LOG.warn("{}: checkpoint file {} is damaged or not this job's ({}); discarding it and recomputing segment {} (frames {}..{})",
        video.getFileName(), f, damage, segment.index(), segment.firstFrameId(), segment.lastFrameId());
    Files.deleteIfExists(f);
    return null;
  }

  private long segmentFileCount() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".fws") && OWN_FILE.matcher(p.getFileName().toString()).matches())
          .count();
    }
  }

  private void clearSegments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> OWN_FILE.matcher(p.getFileName().toString()).matches()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  /** Removes the journal once the job's output is complete. */
  public void finish() throws IOException {
    clearSegments();
    Files.deleteIfExists(dir.resolve(JOB));
  }
}
