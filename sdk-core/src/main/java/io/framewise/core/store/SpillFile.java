package io.framewise.core.store;

import io.framewise.BoundingBox;
import io.framewise.Detection;
import io.framewise.FrameDetections;
import io.framewise.JobError;
import io.framewise.core.pipeline.FrameSink;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UTFDataFormatException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One segment's results on disk: a header naming the job and the segment, its frames' detections, a
 * trailer with the segment's counts and errors, and the SHA-256 of everything before it. Written to a
 * temporary name and moved into place when complete, so a file under the final name is a whole
 * segment (the checkpoint journal relies on it). Streamed both ways: memory does not depend on the
 * segment's length.
 *
 * <p>Reading trusts nothing: the header must name the expected job fingerprint, segment and frame
 * range; frame ids must rise within that range; every count is checked against the bytes left in the
 * file before anything is allocated from it; and the digest must match. Anything else is a
 * {@link DamagedException}. Layout (big-endian, {@link DataOutputStream} encodings):
 *
 * <pre>
 * int magic "FWS2" | UTF job fingerprint (hex) | int segment | long first frame id | long frame count
 * per frame: long id | double ptsMs | int n | n x (int classId | UTF label | double score | double x1 y1 x2 y2)
 * long -1 | long decoded | long processed | long failed | long detections | int errors
 * per error: UTF code | UTF message | long frameId (-1: none) | boolean hasPts | double ptsMs
 * 32 bytes SHA-256 of all the bytes above
 * </pre>
 */
public final class SpillFile {

  private static final int MAGIC = 0x46575332; // "FWS2"
  private static final long END_OF_FRAMES = -1;
  private static final int DIGEST_BYTES = 32;
  /** The fewest bytes a detection takes: class, empty label, score, box. */
  private static final int MIN_DETECTION_BYTES = 4 + 2 + 8 + 4 * 8;
  /** The fewest bytes an error takes: empty code and message, frame id, flag, pts. */
  private static final int MIN_ERROR_BYTES = 2 + 2 + 8 + 1 + 8;

  private SpillFile() {}

  /** Which job and segment a file must belong to. */
  public record Header(String fingerprint, int segment, long firstFrameId, long frameCount) {}

  /** The counts and errors of a finished segment. */
  public record Trailer(long decoded, long processed, long failed, long detections, List<JobError> errors) {}

  /** A segment file that is not whole, not this job's or not this segment's; the message says why. */
  public static final class DamagedException extends IOException {
    private static final long serialVersionUID = 1L;

    DamagedException(String message) {
      super(message);
    }
  }

  /** Writes one segment's results. */
  public static final class Writer implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final DigestOutputStream digest;
    private final DataOutputStream out;
    private boolean committed;
    private boolean finished;

    public Writer(Path target, Header header) throws IOException {
      this(target, target.resolveSibling(target.getFileName() + ".tmp"), header);
    }

    /** Writes to {@code tmp} (created new; a file or link left there is removed first) until committed to {@code target}. */
    public Writer(Path target, Path tmp, Header header) throws IOException {
      this.target = target;
      this.tmp = tmp;
      Files.deleteIfExists(tmp); // a link left there is removed, never written through
      this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      this.digest = new DigestOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16), sha256());
      this.out = new DataOutputStream(digest);
      out.writeInt(MAGIC);
      out.writeUTF(header.fingerprint());
      out.writeInt(header.segment());
      out.writeLong(header.firstFrameId());
      out.writeLong(header.frameCount());
    }

    public void frame(FrameDetections f) throws IOException {
      out.writeLong(f.frameId());
      out.writeDouble(f.ptsMs());
      out.writeInt(f.detections().size());
      for (Detection d : f.detections()) {
        out.writeInt(d.classId());
        out.writeUTF(d.label());
        out.writeDouble(d.score());
        BoundingBox b = d.box();
        out.writeDouble(b.x1());
        out.writeDouble(b.y1());
        out.writeDouble(b.x2());
        out.writeDouble(b.y2());
      }
    }

    /** Writes the trailer and the digest, forces the file to disk and moves it to its final name. */
    public void commit(Trailer t) throws IOException {
      finish(t);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      committed = true;
    }

    /** The temporary file being written (complete once {@link #finish} returned). */
    public Path tmp() {
      return tmp;
    }

    /** Marks the file as moved into place by the caller: {@link #close()} leaves it alone. */
    public void committed() {
      committed = true;
    }

    /**
     * Writes the trailer and the digest and forces the temporary file to disk, leaving it under its
     * temporary name for the caller to move (see {@link #tmp()}, {@link #committed()}).
     *
     * @return the SHA-256 of the file's content before the digest, as stored in it
     */
    public byte[] finish(Trailer t) throws IOException {
      if (finished) {
        throw new IllegalStateException("already finished");
      }
      finished = true;
      out.writeLong(END_OF_FRAMES);
      out.writeLong(t.decoded());
      out.writeLong(t.processed());
      out.writeLong(t.failed());
      out.writeLong(t.detections());
      out.writeInt(t.errors().size());
      for (JobError e : t.errors()) {
        out.writeUTF(e.code());
        out.writeUTF(e.message());
        out.writeLong(e.frameId() == null ? -1 : e.frameId());
        out.writeBoolean(e.ptsMs() != null);
        out.writeDouble(e.ptsMs() == null ? 0 : e.ptsMs());
      }
      out.flush();
      byte[] sum = digest.getMessageDigest().digest();
      digest.on(false);
      out.write(sum);
      out.flush();
      channel.force(true);
      out.close();
      return sum;
    }

    @Override
    public void close() throws IOException {
      if (!committed) {
        try {
          out.close();
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
    }
  }

  /**
   * Replays a committed segment's frames into {@code sink} and returns its trailer. Frames reach the
   * sink as they are read, so a file damaged after {@link #check} passed it can fail part-way; check
   * first where that matters.
   *
   * @throws DamagedException if the file is not a whole segment of {@code expected}
   */
  public static Trailer replay(Path file, Header expected, FrameSink sink) throws IOException {
    return read(file, expected, sink).trailer();
  }

  /** A checked file's trailer and the digest stored in it. */
  public record Read(Trailer trailer, byte[] digest) {}

  /**
   * Replays a committed segment's frames into {@code sink}, as {@link #replay} does, and returns its
   * trailer with its digest.
   *
   * @throws DamagedException if the file is not a whole segment of {@code expected}
   */
  public static Read read(Path file, Header expected, FrameSink sink) throws IOException {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new DamagedException("not a regular file");
    }
    long size = Files.size(file);
    try (InputStream raw = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        DigestInputStream digest = new DigestInputStream(new BufferedInputStream(raw, 1 << 16), sha256());
        Counting counting = new Counting(digest);
        DataInputStream in = new DataInputStream(counting)) {
      if (in.readInt() != MAGIC) {
        throw new DamagedException("not a Framewise segment file of this version");
      }
      String fingerprint = in.readUTF();
      int segment = in.readInt();
      long first = in.readLong();
      long count = in.readLong();
      if (!fingerprint.equals(expected.fingerprint())) {
        throw new DamagedException("it belongs to another job (fingerprint " + abbreviate(fingerprint) + ")");
      }
      if (segment != expected.segment() || first != expected.firstFrameId() || count != expected.frameCount()) {
        throw new DamagedException("its header says segment " + segment + " with " + count + " frame(s) from " + first
            + ", expected segment " + expected.segment() + " with " + expected.frameCount() + " from " + expected.firstFrameId());
      }
      long end = first + count; // exclusive
      long previous = first - 1;
      while (true) {
        long id = in.readLong();
        if (id == END_OF_FRAMES) {
          break;
        }
        if (id <= previous || id >= end) {
          throw new DamagedException("frame id " + id + " after " + previous + " is outside the segment's frames "
              + first + ".." + (end - 1) + " or out of order");
        }
        previous = id;
        double pts = in.readDouble();
        int n = in.readInt();
        checkCount(n, MIN_DETECTION_BYTES, size - counting.position(), "detections of frame " + id);
        List<Detection> dets = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
          int cls = in.readInt();
          String label = in.readUTF();
          double score = in.readDouble();
          dets.add(new Detection(cls, label, score, new BoundingBox(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble())));
        }
        sink.accept(new FrameDetections(id, pts, dets));
      }
      long decoded = in.readLong();
      long processed = in.readLong();
      long failed = in.readLong();
      long detections = in.readLong();
      if (decoded < 0 || processed < 0 || failed < 0 || detections < 0) {
        throw new DamagedException("a count in its trailer is negative");
      }
      int n = in.readInt();
      checkCount(n, MIN_ERROR_BYTES, size - counting.position(), "errors");
      List<JobError> errors = new ArrayList<>(Math.min(n, 64));
      for (int i = 0; i < n; i++) {
        String code = in.readUTF();
        String message = in.readUTF();
        long frameId = in.readLong();
        boolean hasPts = in.readBoolean();
        double pts = in.readDouble();
        errors.add(new JobError(code, message, frameId < 0 ? null : frameId, hasPts ? pts : null));
      }
      if (size - counting.position() != DIGEST_BYTES) {
        throw new DamagedException((size - counting.position() - DIGEST_BYTES) + " byte(s) too many or missing before its checksum");
      }
      byte[] computed = digest.getMessageDigest().digest();
      digest.on(false);
      byte[] stored = in.readNBytes(DIGEST_BYTES);
      if (!MessageDigest.isEqual(computed, stored)) {
        throw new DamagedException("its checksum does not match its content");
      }
      return new Read(new Trailer(decoded, processed, failed, detections, errors), stored);
    } catch (EOFException e) {
      throw new DamagedException("it is cut short");
    } catch (UTFDataFormatException e) {
      throw new DamagedException("a text in it is not valid modified UTF-8");
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new DamagedException("it holds a value no segment can hold: " + e.getMessage()); // e.g. a non-finite box
    }
  }

  /**
   * Reads a committed segment file to its end without using its frames.
   *
   * @return null when it is a whole segment of {@code expected}, else why it is not
   */
  public static @Nullable String check(Path file, Header expected) {
    try {
      replay(file, expected, f -> {});
      return null;
    } catch (DamagedException e) {
      return e.getMessage();
    } catch (IOException | RuntimeException e) {
      return "it cannot be read: " + e;
    }
  }

  private static void checkCount(int n, int minBytes, long left, String what) throws DamagedException {
    if (n < 0 || (long) n * minBytes > left - DIGEST_BYTES) {
      throw new DamagedException("it claims " + n + " " + what + " but only " + Math.max(0, left - DIGEST_BYTES)
          + " byte(s) are left for them");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 16 ? s.substring(0, 16) + "..." : s;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Counts the bytes read through it. */
  private static final class Counting extends FilterInputStream {
    private long position;

    Counting(InputStream in) {
      super(in);
    }

    long position() {
      return position;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        position++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      position += skipped;
      return skipped;
    }
  }
}
