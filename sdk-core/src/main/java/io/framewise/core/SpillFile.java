package io.framewise.core;

import io.framewise.BoundingBox;
import io.framewise.Detection;
import io.framewise.FrameDetections;
import io.framewise.JobError;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One segment's results on disk: its frames' detections, then a trailer with the segment's counts and
 * errors. Written to a temporary name and moved into place when complete, so a file under the final
 * name is always a whole segment (the checkpoint journal relies on it). Streamed both ways: memory
 * does not depend on the segment's length.
 */
final class SpillFile {

  private static final int MAGIC = 0x46575331; // "FWS1"
  private static final long END_OF_FRAMES = -1;

  private SpillFile() {}

  /** The counts and errors of a finished segment. */
  record Trailer(long decoded, long processed, long failed, long detections, List<JobError> errors) {}

  /** Writes one segment's results. */
  static final class Writer implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final DataOutputStream out;
    private boolean committed;

    Writer(Path target) throws IOException {
      this.target = target;
      this.tmp = target.resolveSibling(target.getFileName() + ".tmp");
      this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
      this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
      out.writeInt(MAGIC);
    }

    void frame(FrameDetections f) throws IOException {
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

    /** Writes the trailer, forces the file to disk and moves it to its final name. */
    void commit(Trailer t) throws IOException {
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
      channel.force(true);
      out.close();
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      committed = true;
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

  /** Replays a committed segment's frames into {@code sink} and returns its trailer. */
  static Trailer replay(Path file, FrameSink sink) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
      if (in.readInt() != MAGIC) {
        throw new IOException(file + " is not a Framewise segment file");
      }
      while (true) {
        long id = in.readLong();
        if (id == END_OF_FRAMES) {
          break;
        }
        double pts = in.readDouble();
        int n = in.readInt();
        List<Detection> dets = new ArrayList<>(n);
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
      int n = in.readInt();
      List<JobError> errors = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String code = in.readUTF();
        String message = in.readUTF();
        long frameId = in.readLong();
        boolean hasPts = in.readBoolean();
        double pts = in.readDouble();
        errors.add(new JobError(code, message, frameId < 0 ? null : frameId, hasPts ? pts : null));
      }
      return new Trailer(decoded, processed, failed, detections, errors);
    } catch (EOFException e) {
      throw new IOException(file + " is cut short", e);
    }
  }

  /** Tells whether a committed segment file is readable to its end (used when resuming). */
  static boolean isWhole(Path file) {
    try {
      replay(file, f -> {});
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
