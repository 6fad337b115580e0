package io.framewise.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Properties;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal of a resumable job: {@code job.properties} names the input (path, size, modification
 * time, SHA-256 of its first MiB) and the job's settings; each completed segment is one committed
 * {@link SpillFile} ({@code segment-NNNNNN.fws}), moved into place atomically after being forced to
 * disk, so a file under that name is a whole segment. A job started again with the same input and
 * settings skips the segments already there; a changed input or changed settings discard them, with a
 * log line saying why.
 */
final class Checkpoint {

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);
  private static final String JOB = "job.properties";
  private static final int HEAD_BYTES = 1 << 20;

  private final Path dir;

  private Checkpoint(Path dir) {
    this.dir = dir;
  }

  static Checkpoint open(Path dir, Path video, String settings) throws IOException {
    Files.createDirectories(dir);
    Properties wanted = new Properties();
    Path abs = video.toAbsolutePath().normalize();
    wanted.setProperty("video.path", abs.toString());
    wanted.setProperty("video.size", Long.toString(Files.size(abs)));
    wanted.setProperty("video.modified", Long.toString(Files.getLastModifiedTime(abs).toMillis()));
    wanted.setProperty("video.headSha256", headHash(abs));
    wanted.setProperty("settings", settings);
    Path job = dir.resolve(JOB);
    Checkpoint c = new Checkpoint(dir);
    if (Files.exists(job)) {
      Properties found = new Properties();
      try (InputStream in = Files.newInputStream(job)) {
        found.load(in);
      }
      String why = difference(found, wanted);
      if (why == null) {
        long done = c.completedCount();
        LOG.info("{}: resuming from checkpoint {} ({} segment(s) already done)", video.getFileName(), dir, done);
        return c;
      }
      LOG.warn("{}: checkpoint {} is not for this job ({}); discarding it and starting over", video.getFileName(), dir, why);
      c.clearSegments();
    }
    Path tmp = dir.resolve(JOB + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
      wanted.store(out, "Framewise checkpoint: the job these segments belong to");
      out.flush();
      ch.force(true);
    }
    Files.move(tmp, job, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return c;
  }

  private static String difference(Properties found, Properties wanted) {
    String[][] keys = {
      {"video.path", "the input path changed"},
      {"video.size", "the input's size changed"},
      {"video.modified", "the input's modification time changed"},
      {"video.headSha256", "the input's content changed"},
      {"settings", "the job's settings (model, thresholds, chunking, sampling) changed"},
    };
    for (String[] k : keys) {
      if (!wanted.getProperty(k[0]).equals(found.getProperty(k[0]))) {
        return k[1] + ": was " + found.getProperty(k[0]) + ", now " + abbreviate(wanted.getProperty(k[0]));
      }
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }

  private static String headHash(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] head = in.readNBytes(HEAD_BYTES);
      return HexFormat.of().formatHex(sha.digest(head));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  Path segmentFile(int segment) {
    return dir.resolve(String.format("segment-%06d.fws", segment));
  }

  /** Tells whether a segment was completed by an earlier run (a whole, committed file). */
  boolean isDone(int segment) {
    Path f = segmentFile(segment);
    if (!Files.exists(f)) {
      return false;
    }
    if (SpillFile.isWhole(f)) {
      return true;
    }
    LOG.warn("{} is damaged; recomputing that segment", f);
    return false;
  }

  private long completedCount() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".fws")).count();
    }
  }

  private void clearSegments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> p.getFileName().toString().startsWith("segment-")).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  /** Removes the journal once the job's output is complete. */
  void finish() throws IOException {
    clearSegments();
    Files.deleteIfExists(dir.resolve(JOB));
  }
}
