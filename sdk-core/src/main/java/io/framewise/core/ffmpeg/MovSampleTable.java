package io.framewise.core.ffmpeg;

import static org.bytedeco.ffmpeg.global.avformat.avformat_index_get_entries_count;
import static org.bytedeco.ffmpeg.global.avformat.avformat_index_get_entry;
import static org.bytedeco.ffmpeg.global.avformat.avio_rb32;
import static org.bytedeco.ffmpeg.global.avformat.avio_rb64;
import static org.bytedeco.ffmpeg.global.avformat.avio_read;
import static org.bytedeco.ffmpeg.global.avformat.avio_seek;
import static org.bytedeco.ffmpeg.global.avformat.avio_size;
import static org.bytedeco.ffmpeg.global.avformat.avio_feof;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MPEG4;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVIndexEntry;
import org.jspecify.annotations.Nullable;

/**
 * The index of an MP4/MOV video track read from its sample table, without reading media data (see
 * {@code docs/design/0013-input-and-index.md}).
 *
 * <p>FFmpeg's mov demuxer builds, when it opens the file, one index entry per sample from the sample
 * table: its position, size, decode time (after FFmpeg's edit-list handling) and whether it is a key
 * frame or a frame to discard. A packet's presentation time is its decode time plus its composition
 * offset, which FFmpeg keeps privately; it is read here from the track's {@code ctts} box, through the
 * container's own I/O context (so a remote input is read with range requests: the {@code moov} box
 * and nothing of {@code mdat}). The result equals what the demux pass reads packet by packet.
 *
 * <p>Conservative: anything this reading does not model exactly sends the input to the demux pass
 * instead: a fragmented file ({@code mvex}), an edit list other than one plain edit, a {@code cslg}
 * box, negative composition offsets, a sample count that differs from FFmpeg's index, samples that lie
 * beyond the end of the file (a truncated file), an unknown file size, or any box that does not parse.
 */
final class MovSampleTable {

  private static final int MOOV = fourcc("moov");
  private static final int TRAK = fourcc("trak");
  private static final int TKHD = fourcc("tkhd");
  private static final int EDTS = fourcc("edts");
  private static final int ELST = fourcc("elst");
  private static final int MDIA = fourcc("mdia");
  private static final int MINF = fourcc("minf");
  private static final int STBL = fourcc("stbl");
  private static final int STSZ = fourcc("stsz");
  private static final int STZ2 = fourcc("stz2");
  private static final int CTTS = fourcc("ctts");
  private static final int STSD = fourcc("stsd");
  private static final int CSLG = fourcc("cslg");
  private static final int MVEX = fourcc("mvex");
  private static final int MOOF = fourcc("moof");
  /** Bound on the boxes walked, so a hostile file cannot keep the walk going. */
  private static final int MAX_BOXES = 10_000;

  private MovSampleTable() {}

  /**
   * Feeds {@code plan} with the video stream's samples in decode order, when the sample table is
   * usable.
   *
   * @return null when the plan was fed completely; else why the sample table is not used (the plan
   *     may then hold part of the samples and must be dropped)
   */
  static @Nullable String read(FfmpegVideoDecoder.Container c, FfmpegIndexer.Plan plan) {
    Track t;
    try {
      t = videoTrack(c, ": no sample table");
    } catch (Unusable e) {
      return e.getMessage();
    }
    int n = t.entries;
    AVIOContext pb = t.pb;
    long fileSize = t.fileSize;
    CttsReader ctts = t.cttsEntries < 0 ? null : new CttsReader(pb, t.cttsPos, t.cttsEntries);
    AVIndexEntry e = avformat_index_get_entry(c.stream, 0);
    if (e == null || e.isNull()) {
      return "FFmpeg's index of the video stream is empty";
    }
    try {
      long lastDts = Long.MIN_VALUE;
      int notIncreasing = -1;
      for (int i = 0; i < n; i++) {
        e.position(i);
        long pos = e.pos();
        int size = e.size();
        int flags = e.flags();
        long dts = e.timestamp();
        if (notIncreasing < 0 && (dts == AV_NOPTS_VALUE || dts <= lastDts)) {
          notIncreasing = i;
        }
        lastDts = dts;
        long offset = ctts == null ? 0 : ctts.next();
        if (pos < 0 || size < 0 || pos + size > fileSize) {
          return "sample " + i + " lies beyond the end of the file (" + pos + " + " + size + " > " + fileSize + "): truncated?";
        }
        if ((flags & AVIndexEntry.AVINDEX_DISCARD_FRAME) != 0) {
          continue;
        }
        plan.add(dts + offset, dts, (flags & AVIndexEntry.AVINDEX_KEYFRAME) != 0, size);
      }
      if (ctts != null) {
        ctts.checkEnd();
      }
      // whether decoders may share the container, from this same walk (a second one would read the moov again)
      String why = readerWhy(c);
      if (why == null) {
        why = sharingWhy(t, notIncreasing);
      }
      c.judged(why);
    } catch (Unusable u) {
      return u.getMessage();
    } finally {
      e.position(0);
    }
    return null;
  }

  /** Null when the codec's packets survive a seek back in FFmpeg's demuxer (and the input is local), else why not. */
  private static @Nullable String readerWhy(FfmpegVideoDecoder.Container c) {
    if (c.input.path() == null) {
      // over HTTP every seek back is a new range request, each abandoned one over-reading what the socket holds:
      // remote inputs keep a container per worker (more memory, the bytes of design 0013 section 2)
      return "a remote input";
    }
    int codec = c.stream.codecpar().codec_id();
    int tag = c.stream.codecpar().codec_tag();
    boolean known = codec == AV_CODEC_ID_H264 && tag == tag("avc1") // parameter sets in avcC, not in the stream
        || codec == AV_CODEC_ID_HEVC && tag == tag("hvc1")
        || codec == AV_CODEC_ID_MPEG4;
    // FFmpeg parses some codecs' packets in the demuxer (parameter sets in the stream, full parsing): a seek
    // back resets that parser mid-way, where reading alone never does
    return known ? null : "codec " + c.info.codec() + " (tag 0x" + Integer.toHexString(tag) + ") is not one whose reading resumes exactly";
  }

  /** Null when the track's walk and index allow a seek back to land exactly, else why not. */
  private static @Nullable String sharingWhy(Track t, int notIncreasing) {
    if (t.sampleDescriptions != 1) {
      return t.sampleDescriptions + " sample descriptions";
    }
    return notIncreasing < 0 ? null : "decode times do not strictly increase at sample " + notIncreasing;
  }

  /**
   * Whether decoders may share the container, each seeking back to its own last packet when it reads
   * after another (see {@link ContainerPool}): an MP4/MOV file this class reads (not fragmented, at most
   * one plain edit), of a codec whose packets FFmpeg's demuxer parses statelessly here (H.264 {@code avc1}
   * and HEVC {@code hvc1}, parameter sets in the sample description; MPEG-4 part 2), with one sample description (FFmpeg announces a change of description on the
   * packet read after it, which a seek back could hide) and strictly increasing decode times in
   * FFmpeg's index (a seek by decode time then lands on exactly one packet). Reads the moov box's
   * headers through the container's I/O: call it before anyone else reads the container.
   *
   * @return null when shareable, else why not
   */
  static @Nullable String shareable(FfmpegVideoDecoder.Container c) {
    String readerWhy = readerWhy(c);
    if (readerWhy != null) {
      return readerWhy;
    }
    Track t;
    try {
      t = videoTrack(c, "");
    } catch (Unusable e) {
      return e.getMessage();
    }
    int n = t.entries;
    AVIndexEntry e = avformat_index_get_entry(c.stream, 0);
    if (e == null || e.isNull()) {
      return "FFmpeg's index of the video stream is empty";
    }
    int notIncreasing = -1;
    try {
      long last = Long.MIN_VALUE;
      for (int i = 0; i < n && notIncreasing < 0; i++) {
        e.position(i);
        long dts = e.timestamp();
        if (dts == AV_NOPTS_VALUE || dts <= last) {
          notIncreasing = i;
        }
        last = dts;
      }
    } finally {
      e.position(0);
    }
    return sharingWhy(t, notIncreasing);
  }

  /**
   * The video track of an MP4/MOV container with an index and a known size, walked: its sample count
   * agrees with FFmpeg's index.
   *
   * @param notMov what to add to the reason when the container is not MP4/MOV
   */
  private static Track videoTrack(FfmpegVideoDecoder.Container c, String notMov) throws Unusable {
    String format = c.format.iformat() == null ? "" : c.format.iformat().name().getString();
    if (!format.startsWith("mov")) {
      throw new Unusable("not MP4/MOV (" + format + ")" + notMov);
    }
    int n = avformat_index_get_entries_count(c.stream);
    if (n <= 0) {
      throw new Unusable("FFmpeg's index of the video stream is empty");
    }
    AVIOContext pb = c.format.pb();
    if (pb == null || pb.isNull()) {
      throw new Unusable("no I/O context");
    }
    long fileSize = avio_size(pb);
    if (fileSize <= 0) {
      throw new Unusable("the input's size is unknown, so sample positions cannot be checked");
    }
    Track t = findTrack(pb, fileSize, c.stream.id());
    if (t.sampleCount != n) {
      throw new Unusable("the sample table holds " + t.sampleCount + " samples, FFmpeg's index " + n + " (edit list or damage)");
    }
    t.entries = n;
    t.pb = pb;
    t.fileSize = fileSize;
    return t;
  }

  /** What the walk found about the video track. */
  private static final class Track {
    int trackId = -1;
    long sampleCount = -1;
    long cttsPos;
    long cttsEntries = -1;
    long sampleDescriptions = -1;
    int entries;
    @Nullable AVIOContext pb;
    long fileSize;
  }

  private static Track findTrack(AVIOContext pb, long fileSize, int trackId) throws Unusable {
    long at = 0;
    int boxes = 0;
    Track found = null;
    boolean moovSeen = false;
    while (at < fileSize) {
      if (++boxes > MAX_BOXES) {
        throw new Unusable("too many top-level boxes");
      }
      long[] h = header(pb, at, fileSize);
      int type = (int) h[1];
      if (type == MOOF) {
        throw new Unusable("a fragmented file (moof)");
      }
      if (type == MOOV) {
        if (moovSeen) {
          throw new Unusable("more than one moov box");
        }
        moovSeen = true;
        found = moov(pb, at + h[2], at + h[0], trackId);
      }
      at += h[0];
    }
    if (found == null) {
      throw new Unusable("no track " + trackId + " in the moov box");
    }
    return found;
  }

  private static @Nullable Track moov(AVIOContext pb, long from, long to, int trackId) throws Unusable {
    Track found = null;
    int boxes = 0;
    for (long at = from; at < to; ) {
      if (++boxes > MAX_BOXES) {
        throw new Unusable("too many boxes in moov");
      }
      long[] h = header(pb, at, to);
      if ((int) h[1] == MVEX) {
        throw new Unusable("a fragmented file (mvex)");
      }
      if ((int) h[1] == TRAK) {
        Track t = new Track();
        walk(pb, at + h[2], at + h[0], t, 0);
        if (t.trackId == trackId) {
          if (found != null) {
            throw new Unusable("two tracks with id " + trackId);
          }
          found = t;
        }
      }
      at += h[0];
    }
    return found;
  }

  /** Walks a track's boxes (trak, mdia, minf, stbl and edts are containers). */
  private static void walk(AVIOContext pb, long from, long to, Track t, int depth) throws Unusable {
    int boxes = 0;
    for (long at = from; at < to; ) {
      if (++boxes > MAX_BOXES) {
        throw new Unusable("too many boxes in a track");
      }
      long[] h = header(pb, at, to);
      int type = (int) h[1];
      long payload = at + h[2];
      long end = at + h[0];
      if (type == MDIA || type == MINF || type == STBL || type == EDTS) {
        if (depth > 4) {
          throw new Unusable("boxes nested too deep");
        }
        walk(pb, payload, end, t, depth + 1);
      } else if (type == TKHD) {
        seek(pb, payload);
        int version = avio_rb32(pb) >>> 24;
        seek(pb, payload + 4 + (version == 1 ? 16 : 8));
        t.trackId = avio_rb32(pb);
      } else if (type == ELST) {
        seek(pb, payload);
        int version = avio_rb32(pb) >>> 24;
        long count = avio_rb32(pb) & 0xffffffffL;
        if (count > 1) {
          throw new Unusable("an edit list of " + count + " edits");
        }
        if (count == 1) {
          long mediaTime;
          if (version == 1) {
            avio_rb64(pb); // segment duration
            mediaTime = avio_rb64(pb);
          } else {
            avio_rb32(pb);
            mediaTime = avio_rb32(pb); // signed: -1 is an empty edit
          }
          int rate = avio_rb32(pb);
          if (mediaTime < 0 || rate != 0x00010000) {
            throw new Unusable("an edit list with an empty edit or a rate other than 1");
          }
        }
      } else if (type == STSZ) {
        seek(pb, payload + 8);
        t.sampleCount = avio_rb32(pb) & 0xffffffffL;
      } else if (type == STSD) {
        seek(pb, payload + 4);
        t.sampleDescriptions = avio_rb32(pb) & 0xffffffffL;
      } else if (type == STZ2) {
        throw new Unusable("compact sample sizes (stz2)");
      } else if (type == CSLG) {
        throw new Unusable("a composition shift (cslg)");
      } else if (type == CTTS) {
        seek(pb, payload + 4);
        t.cttsEntries = avio_rb32(pb) & 0xffffffffL;
        t.cttsPos = payload + 8;
        if (t.cttsPos + 8 * t.cttsEntries > end) {
          throw new Unusable("the ctts box is shorter than its entry count");
        }
      }
      if (avio_feof(pb) != 0) {
        throw new Unusable("the moov box is cut short");
      }
      at = end;
    }
  }

  /** Reads a box header at {@code at}: {size, type, header length}; the box must end by {@code limit}. */
  private static long[] header(AVIOContext pb, long at, long limit) throws Unusable {
    seek(pb, at);
    long size = avio_rb32(pb) & 0xffffffffL;
    int type = avio_rb32(pb);
    long hdr = 8;
    if (size == 1) {
      size = avio_rb64(pb);
      hdr = 16;
    } else if (size == 0) {
      size = limit - at;
    }
    if (avio_feof(pb) != 0 || size < hdr || size > limit - at) {
      throw new Unusable("a box at " + at + " does not parse");
    }
    return new long[] {size, type, hdr};
  }

  private static void seek(AVIOContext pb, long pos) throws Unusable {
    if (avio_seek(pb, pos, 0) < 0) {
      throw new Unusable("cannot seek to " + pos);
    }
  }

  /** A codec tag as FFmpeg stores it (first letter in the low byte). */
  private static int tag(String s) {
    return s.charAt(0) | (s.charAt(1) << 8) | (s.charAt(2) << 16) | (s.charAt(3) << 24);
  }

  private static int fourcc(String s) {
    return (s.charAt(0) << 24) | (s.charAt(1) << 16) | (s.charAt(2) << 8) | s.charAt(3);
  }

  /** Streams a ctts box's composition offsets, one per sample, in blocks. */
  private static final class CttsReader {
    private final AVIOContext pb;
    private long pos;
    private long entriesLeft;
    private final byte[] block = new byte[8 * 8192];
    private int blockAt;
    private int blockLen;
    private long runLeft;
    private long offset;

    CttsReader(AVIOContext pb, long pos, long entries) {
      this.pb = pb;
      this.pos = pos;
      this.entriesLeft = entries;
    }

    long next() throws Unusable {
      while (runLeft == 0) {
        if (entriesLeft == 0) {
          throw new Unusable("the ctts box covers fewer samples than the sample table");
        }
        readRun();
      }
      runLeft--;
      return offset;
    }

    void checkEnd() throws Unusable {
      while (runLeft == 0 && entriesLeft > 0) {
        readRun(); // trailing runs of 0 samples are harmless
      }
      if (runLeft != 0) {
        throw new Unusable("the ctts box covers more samples than the sample table");
      }
    }

    private void readRun() throws Unusable {
      if (blockAt == blockLen) {
        int want = (int) Math.min(block.length / 8, entriesLeft) * 8;
        seek(pb, pos);
        int got = avio_read(pb, block, want);
        if (got != want) {
          throw new Unusable("the ctts box cannot be read");
        }
        pos += want;
        blockAt = 0;
        blockLen = want;
      }
      runLeft = intAt(blockAt) & 0xffffffffL;
      offset = intAt(blockAt + 4); // signed, as FFmpeg reads it
      blockAt += 8;
      entriesLeft--;
      if (offset < 0 && runLeft > 0) {
        throw new Unusable("negative composition offsets");
      }
    }

    private int intAt(int i) {
      return ((block[i] & 0xff) << 24) | ((block[i + 1] & 0xff) << 16) | ((block[i + 2] & 0xff) << 8) | (block[i + 3] & 0xff);
    }
  }

  /** The sample table cannot be used; the message says why. */
  private static final class Unusable extends Exception {
    Unusable(String why) {
      super(why, null, false, false);
    }
  }
}
