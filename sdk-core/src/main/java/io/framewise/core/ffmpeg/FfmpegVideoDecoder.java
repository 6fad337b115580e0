package io.framewise.core.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_COPY_OPAQUE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_EF_EXPLODE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_move_ref;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_frame_rate;
import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_FLAG_ANY;
import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_FLAG_BACKWARD;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_seek_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avio_size;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.SWS_FAST_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import io.framewise.CorruptMediaException;
import io.framewise.MediaException;
import io.framewise.VideoInfo;
import io.framewise.spi.FrameDecodeException;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoFrame;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the first video stream of a file with FFmpeg, in presentation order, to packed BGR.
 *
 * <p>Two modes. Sequential: the whole stream from the start. Segment: the frames of one
 * {@link VideoIndex.Segment} (those whose presentation time lies in the segment's range), reached by
 * seeking to its key frame; frames carry their global ids. In both, a packet that fails to decode is
 * reported on its own ({@link FrameDecodeException}) and keeps its frame id, so later frames keep
 * theirs.
 */
public final class FfmpegVideoDecoder implements VideoDecoder {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FfmpegVideoDecoder.class);
  /** Packets a decoder of a shared container reads ahead per turn under its lock, at most (and at most {@link #AHEAD_BYTES}). */
  static final int AHEAD_PACKETS = 256;
  static final long AHEAD_BYTES = 4L << 20;
  /** {@link #AHEAD_PACKETS}; tests lower it so that decoders take many turns. */
  static volatile int aheadPackets = AHEAD_PACKETS;

  private Container c;
  private AVCodecContext codec;
  /** Set by the first {@link #next}: from then on the codec context is in use and its threads are fixed. */
  private boolean started;
  private final AVPacket packet;
  private final AVFrame frame;
  private final long frameDurationTb;
  private final FfmpegInput input;

  // segment mode (segment == null: sequential)
  private final VideoIndex.@Nullable Segment segment;
  private final boolean keyframesOnly;
  private final long segStart;
  private final long segEnd;
  private final long firstId;
  private final int[] gopFrames;
  private boolean atStart;
  private boolean rescanned;
  private int keyframesOut;
  private long gopPrefix;

  private long basePts;
  private long outputCount;
  private long failedCount;
  /** Sent packets whose frame has not come out yet, in presentation order (timeline, then pts). */
  private final java.util.TreeSet<Sent> inFlight = new java.util.TreeSet<>();
  /** The same packets by serial number, which FFmpeg copies from each packet to its frame (opaque). */
  private final java.util.HashMap<Long, Sent> bySerial = new java.util.HashMap<>();
  private long serials;
  /** Timeline: goes up where decode times jump back (concatenated streams), so presentation order stays comparable. */
  private long timeline;
  private long lastDts = AV_NOPTS_VALUE;
  private long outputTimeline;
  /** Whether any packet carried a presentation time (failed frames are then found by it). */
  private boolean tracking;
  /** Segment mode: whether damage met while decoding was reported (once; it makes the engine decode the stream whole). */
  private boolean damageReported;
  private final java.util.ArrayDeque<FrameDecodeException> reports = new java.util.ArrayDeque<>();
  private @Nullable VideoFrame held;
  private @Nullable String lastError;

  private @Nullable SwsContext sws;
  private @Nullable BytePointer pixels;
  private int pixelsWidth;
  private int pixelsHeight;
  private int scaleWidth;
  private int scaleHeight;
  private final PointerPointer<BytePointer> dstData = new PointerPointer<>(4);
  private final IntPointer dstLinesize = new IntPointer(4);

  private boolean flushing;
  private boolean finished;
  private long lastPtsTb = AV_NOPTS_VALUE;
  private long lastReadPts = AV_NOPTS_VALUE;
  private boolean closed;
  private boolean endChecked;
  /** The index whose segment this decoder reads: its container is kept open for the next segment (null: closed). */
  private @Nullable VideoIndex poolIndex;
  /** Whether the container met no damage or read error here, so it may be kept. */
  private boolean reusable = true;

  // a shared container (ContainerPool): packets read ahead under its lock, then decoded outside it
  private boolean shared;
  /** Packets read ahead, each with the demuxer's first error logged before it (or null). */
  private final java.util.ArrayDeque<Ahead> ahead = new java.util.ArrayDeque<>();
  /** The segment's key frame is still to be sought (on the first read, under the lock). */
  private boolean seekPending;
  /** The last video packet read ahead: where a turn resumes after another decoder read the container. */
  private long resumeDts = AV_NOPTS_VALUE;
  private long resumePos = -1;
  /** av_read_frame's negative result once met (0: not yet), and the error logged before it. */
  private int aheadEnd;
  private @Nullable String aheadEndError;
  /** The demuxer's error that came with the packet being decoded. */
  private @Nullable String packetError;
  /** Segment 0 asks for the first turn of a container nobody read ({@link #claimStart}). */
  private boolean claiming;
  /** A turn could not find this decoder's place again. */
  private boolean lost;
  /** Left a shared container for one of its own (closed, not kept, at the end). */
  private boolean detached;

  private record Ahead(AVPacket packet, @Nullable String demuxError) {}

  private FfmpegVideoDecoder(Container c, AVCodecContext codec, VideoIndex.@Nullable Segment segment, long basePts, boolean keyframesOnly) {
    this.c = c;
    this.input = c.input;
    this.codec = codec;
    this.segment = segment;
    this.keyframesOnly = keyframesOnly;
    this.segStart = segment == null ? Long.MIN_VALUE : segment.startPts();
    this.segEnd = segment == null ? Long.MAX_VALUE : segment.endPts();
    this.firstId = segment == null ? 0 : segment.firstFrameId();
    this.gopFrames = segment == null ? new int[0] : segment.gopFrames();
    this.atStart = segment == null || segment.startPts() == Long.MIN_VALUE;
    this.basePts = basePts;
    double fps = c.info.frameRate();
    this.frameDurationTb = fps > 0 ? Math.max(1, Math.round(c.timeBase.den() / (fps * c.timeBase.num()))) : 1;
    this.packet = av_packet_alloc();
    this.frame = av_frame_alloc();
  }

  public static FfmpegVideoDecoder open(Path path) {
    return open(FfmpegInput.local(path));
  }

  public static FfmpegVideoDecoder open(FfmpegInput input) {
    return open(input, null, AV_NOPTS_VALUE, false);
  }

  public static FfmpegVideoDecoder openSegment(Path path, VideoIndex index, VideoIndex.Segment segment, boolean keyframesOnly) throws IOException {
    return openSegment(FfmpegInput.local(path), index, segment, keyframesOnly);
  }

  /**
   * Opens a decoder over one segment of a local or remote input. A segment reached by a seek reuses a
   * container kept open for the same input and index ({@link ContainerPool}) when there is one; its
   * {@link #close} gives the container back.
   */
  public static FfmpegVideoDecoder openSegment(FfmpegInput input, VideoIndex index, VideoIndex.Segment segment, boolean keyframesOnly)
      throws IOException {
    // Segment 0 reads from the start: a shared container is sought there, else it opens its own.
    boolean fromStart = segment.startPts() == Long.MIN_VALUE;
    Container kept = ContainerPool.SHARED.take(input, index, fromStart);
    if (kept == null) {
      try {
        kept = Container.open(input);
      } catch (RuntimeException | Error e) {
        ContainerPool.SHARED.openFailed(input, index); // the decoders waiting for this open go on and open their own
        throw e;
      }
      ContainerPool.SHARED.opened(kept, index);
    }
    boolean shared = kept != null && kept.shared;
    FfmpegVideoDecoder d;
    try {
      d = open(input, kept, segment, index.basePts(), keyframesOnly);
    } catch (RuntimeException | Error e) {
      if (shared) {
        ContainerPool.SHARED.give(kept, index); // open() closes a container lent to it alone
      }
      throw e;
    }
    d.poolIndex = index;
    d.shared = shared;
    if (shared && fromStart) {
      try {
        if (!d.claimStart()) { // another decoder read it first: a container of its own, read from the start as before
          d.detach(false);
        }
      } catch (IOException | RuntimeException e) {
        d.reusable = false;
        d.close();
        throw e;
      }
    } else if (!d.atStart) {
      try {
        d.seekToSegment();
      } catch (IOException | RuntimeException e) {
        d.reusable = false;
        d.close();
        throw e;
      }
    }
    return d;
  }

  private static FfmpegVideoDecoder open(FfmpegInput input, VideoIndex.@Nullable Segment segment, long basePts, boolean keyframesOnly) {
    return open(input, null, segment, basePts, keyframesOnly);
  }

  private static FfmpegVideoDecoder open(FfmpegInput input, @Nullable Container kept, VideoIndex.@Nullable Segment segment, long basePts,
      boolean keyframesOnly) {
    Container c = kept != null ? kept : Container.open(input);
    AVCodecContext codec = null;
    try {
      codec = openCodec(c, 0, segment != null);
      return new FfmpegVideoDecoder(c, codec, segment, basePts, keyframesOnly);
    } catch (RuntimeException | Error e) {
      if (codec != null) {
        avcodec_free_context(codec);
      }
      if (!c.shared) {
        c.close();
      }
      throw e;
    }
  }

  /**
   * Opens a decoder for the container's video stream with {@code threads} threads (0 = one per core):
   * frame and slice threading. With frame threading a decode error surfaces frames later, detached from
   * its packet; failed frames are found by their pts instead (see failBefore). A segment's decoder
   * ({@code strict}) stops at bitstream errors instead of concealing them ({@code AV_EF_EXPLODE}): damage
   * then shows as a failed frame or an error whatever thread decoded it, and the engine decodes the
   * stream whole from that segment on, where the unchunked run's (concealing) decoding defines the output.
   */
  static AVCodecContext openCodec(Container c, int threads, boolean strict) {
    FfmpegInput input = c.input;
    AVCodecParameters par = c.stream.codecpar();
    String codecName = c.info.codec();
    AVCodec decoder = avcodec_find_decoder(par.codec_id());
    if (decoder == null || decoder.isNull()) {
      throw input.unsupported("FW-104", "no decoder for video codec '" + codecName + "'");
    }
    AVCodecContext codec = avcodec_alloc_context3(decoder);
    try {
      if (avcodec_parameters_to_context(codec, par) < 0) {
        throw input.unsupported("FW-104", "cannot configure the '" + codecName + "' decoder");
      }
      codec.pkt_timebase(c.stream.time_base());
      codec.thread_count(Math.max(0, threads));
      codec.flags(codec.flags() | AV_CODEC_FLAG_COPY_OPAQUE); // each frame names its packet (see output)
      if (strict) {
        codec.err_recognition(codec.err_recognition() | AV_EF_EXPLODE);
      }
      int ret = avcodec_open2(codec, decoder, (AVDictionary) null);
      if (ret < 0) {
        throw input.unsupported("FW-104", "cannot open the '" + codecName + "' decoder: " + errorText(ret));
      }
      return codec;
    } catch (RuntimeException e) {
      avcodec_free_context(codec);
      throw e;
    }
  }

  /**
   * Reopens the codec with {@code threads} decoding threads, before the first frame: used when other
   * threads (inference on the CPU) already keep the other cores busy, where FFmpeg's frame threads only
   * add synchronisation.
   */
  @Override
  public boolean decodingThreads(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, was " + threads);
    }
    if (started || closed) {
      return false;
    }
    AVCodecContext replacement = openCodec(c, threads, segment != null);
    avcodec_free_context(codec);
    codec = replacement;
    return true;
  }

  /** An opened container and its first video stream. */
  static final class Container implements AutoCloseable {
    final FfmpegInput input;
    final AVFormatContext format;
    final int streamIndex;
    final AVStream stream;
    final AVRational timeBase;
    final VideoInfo info;
    final double videoDurationMs;
    private volatile String demuxError;
    private boolean closed;
    // sharing (ContainerPool): the fields below without a lock of their own are guarded by the pool's
    /** Held while a decoder of a shared container seeks or reads it. */
    final java.util.concurrent.locks.ReentrantLock readLock = new java.util.concurrent.locks.ReentrantLock();
    /** The decoder that read the shared container last (guarded by {@link #readLock}): the others seek back to their place. */
    @Nullable Object reader;
    boolean shared;
    int users;
    @Nullable VideoIndex poolIndex;
    /** A user met damage or lost its place: no new users, closed when the last one gives it back. */
    volatile boolean doomed;
    /** No packet was read and no seek made since it was opened (its headers may have been walked): a fresh container. */
    volatile boolean pristine = true;
    private @Nullable Boolean resumable;

    private Container(FfmpegInput input, AVFormatContext format, int streamIndex, VideoInfo info) {
      this.input = input;
      this.format = format;
      this.streamIndex = streamIndex;
      this.stream = format.streams(streamIndex);
      this.timeBase = stream.time_base();
      this.info = info;
      // The video stream's own duration; the container's only when it holds nothing else (audio may be longer).
      if (stream.duration() != AV_NOPTS_VALUE && stream.duration() > 0) {
        this.videoDurationMs = stream.duration() * 1000.0 * timeBase.num() / timeBase.den();
      } else if (format.nb_streams() == 1 && format.duration() != AV_NOPTS_VALUE && format.duration() > 0) {
        this.videoDurationMs = format.duration() / 1000.0;
      } else {
        this.videoDurationMs = 0;
      }
    }

    /** Records the first error logged while this container was being read. */
    void logged(String line) {
      if (demuxError == null) {
        demuxError = line;
      }
    }

    /** Returns (and forgets) an error the demuxer logged since the last call, or null. */
    String takeDemuxError() {
      String e = demuxError;
      demuxError = null;
      return e;
    }

    /** Records whether decoders can share this container, judged by {@link MovSampleTable#read} from its own walk. */
    synchronized void judged(@Nullable String why) {
      if (resumable == null) {
        resumable = why == null;
        if (why != null) {
          LOG.debug("{}: one decoder at a time: {}", input.display(), why);
        }
      }
    }

    /** Whether decoders can share this container ({@link MovSampleTable#shareable}); checked once, by its only user. */
    synchronized boolean shareable() {
      if (resumable == null) {
        judged(MovSampleTable.shareable(this));
      }
      return java.util.Objects.requireNonNull(resumable);
    }

    static Container open(Path path) {
      return open(FfmpegInput.local(path));
    }

    /**
     * Opens the input with the protocols and demuxers {@link FfmpegInput} allows: a local file is
     * exactly that file, whatever its name, and nothing named inside it is opened.
     */
    static Container open(FfmpegInput input) {
      Path path = input.path();
      if (path != null) {
        checkFile(path);
      }
      FfmpegLog.install();
      AVFormatContext format = new AVFormatContext(null);
      AVDictionary options = input.options();
      int ret;
      String[] refusedBy = new String[1];
      FfmpegLog.reading(line -> {
        if (refusedBy[0] == null && line.contains("not on whitelist")) {
          refusedBy[0] = line; // "Format not on whitelist ..." or "Protocol 'x' not on whitelist ..."
        }
      });
      try {
        ret = avformat_open_input(format, input.url(), null, options);
      } finally {
        FfmpegLog.endReading();
        av_dict_free(options);
      }
      if (ret < 0) {
        MediaException refused = input.refusal(refusedBy[0]);
        if (refused != null) {
          throw refused;
        }
        throw input.corrupt("FW-102", "not a readable media file: " + errorText(ret));
      }
      try {
        ret = avformat_find_stream_info(format, (PointerPointer<?>) null);
        if (ret < 0) {
          throw input.corrupt("FW-102", "cannot read stream information: " + errorText(ret));
        }
        int index = -1;
        for (int i = 0; i < format.nb_streams(); i++) {
          AVStream s = format.streams(i);
          boolean attachedPicture = (s.disposition() & 0x0400) != 0; // AV_DISPOSITION_ATTACHED_PIC
          if (s.codecpar().codec_type() == AVMEDIA_TYPE_VIDEO && !attachedPicture) {
            index = i;
            break;
          }
        }
        if (index < 0) {
          throw input.unsupported("FW-103", "no video stream (" + format.nb_streams() + " other stream(s))");
        }
        AVStream stream = format.streams(index);
        AVCodecParameters par = stream.codecpar();
        String codecName = avcodec_get_name(par.codec_id()).getString();
        if (par.width() <= 0 || par.height() <= 0) {
          throw input.corrupt("FW-102", "video stream has no frame size");
        }
        AVRational rate = av_guess_frame_rate(format, stream, null);
        double frameRate = rate.num() > 0 && rate.den() > 0 ? (double) rate.num() / rate.den() : 0;
        double durationMs = format.duration() != AV_NOPTS_VALUE && format.duration() > 0
            ? format.duration() / 1000.0
            : stream.duration() != AV_NOPTS_VALUE && stream.duration() > 0
                ? stream.duration() * 1000.0 * stream.time_base().num() / stream.time_base().den()
                : 0;
        long declared = Math.max(0, stream.nb_frames());
        long size = format.pb() != null ? avio_size(format.pb()) : -1;
        if (size > 0 ? declared > size : declared > 0) {
          // a header figure no file of this size can hold (each frame takes at least a byte), or one that cannot be
          // checked (a remote input of unknown length): not a count
          declared = 0;
        }
        VideoInfo info = new VideoInfo(input.fileName(), par.width(), par.height(), frameRate, codecName,
            durationMs, declared);
        return new Container(input, format, index, info);
      } catch (RuntimeException e) {
        avformat_close_input(format);
        throw e;
      }
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        avformat_close_input(format);
      }
    }
  }

  private static void checkFile(Path path) {
    if (!Files.exists(path)) {
      throw new CorruptMediaException("FW-100", path, "no such file", null);
    }
    if (!Files.isRegularFile(path)) {
      throw new CorruptMediaException("FW-100", path, "not a regular file", null);
    }
    if (!Files.isReadable(path)) {
      throw new CorruptMediaException("FW-100", path, "file is not readable", null);
    }
    try {
      if (Files.size(path) == 0) {
        throw new CorruptMediaException("FW-101", path, "file is empty (0 bytes)", null);
      }
    } catch (IOException e) {
      throw new CorruptMediaException("FW-100", path, "cannot read the file size: " + e.getMessage(), e);
    }
  }

  static String errorText(int code) {
    try (BytePointer buf = new BytePointer(256)) {
      buf.fill(0);
      if (av_strerror(code, buf, 256) != 0) {
        return "error " + code;
      }
      byte[] bytes = new byte[256];
      buf.get(bytes);
      int end = 0;
      while (end < bytes.length && bytes[end] != 0) {
        end++;
      }
      return new String(bytes, 0, end, java.nio.charset.StandardCharsets.UTF_8) + " (" + code + ")";
    }
  }

  @Override
  public VideoInfo info() {
    return c.info;
  }

  private void seekToSegment() throws IOException {
    VideoIndex.Segment seg = java.util.Objects.requireNonNull(segment);
    if (shared) {
      seekPending = true; // on the first read, under the container's lock
      avcodec_flush_buffers(codec);
      return;
    }
    c.pristine = false;
    int ret = av_seek_frame(c.format, c.streamIndex, seg.startDts(), AVSEEK_FLAG_BACKWARD);
    if (ret < 0) {
      rewindToStart();
    }
    avcodec_flush_buffers(codec);
  }

  /** Reopens the container at its start, to scan forward to the segment's key frame. */
  private void rewindToStart() {
    rescanned = true;
    if (shared) {
      detach(true); // no new users for the shared container: its seeks did not land
    } else {
      Container fresh = Container.open(input);
      c.close();
      c = fresh;
    }
    avcodec_flush_buffers(codec);
  }

  /** Leaves the shared container to the others and reads a freshly opened one of its own from its start. */
  private void detach(boolean doom) {
    Container fresh = Container.open(input);
    fresh.pristine = false;
    dropAhead();
    if (doom) {
      c.doomed = true;
    }
    ContainerPool.SHARED.give(c, java.util.Objects.requireNonNull(poolIndex));
    shared = false;
    detached = true; // the fresh container is closed at the end, not kept: the shared one serves the others
    c = fresh;
  }

  /**
   * Segment 0 on a shared container: when no decoder has read it yet, takes the first turn from where
   * its open left it (the packets FFmpeg buffered while probing the streams included), exactly as a
   * fresh container of its own would be read; false when another decoder read it first.
   */
  private boolean claimStart() throws IOException {
    claiming = true;
    try {
      return turn();
    } finally {
      claiming = false;
    }
  }

  /**
   * The next packet of a shared container: from those read ahead, else from a new turn at the
   * container. A turn takes its lock, seeks back to where this decoder left off when another decoder
   * read meanwhile (the last packet read ahead is read again and dropped), and reads up to {@link
   * #AHEAD_PACKETS} video packets or {@link #AHEAD_BYTES}: 256 packets amortise the seek back (FFmpeg's
   * mov seek walks the composition offsets linearly: milliseconds on a 4-million-frame file). Seeking back lands exactly: the container
   * is shared only when its decode times strictly increase ({@link MovSampleTable#shareable}).
   */
  private int readShared(AVPacket out) throws IOException {
    if (ahead.isEmpty() && aheadEnd == 0) {
      if (!turn()) {
        rewindToStart(); // the segment's seek failed: read this input privately from its start
        FfmpegLog.reading(c::logged);
        try {
          return av_read_frame(c.format, out);
        } finally {
          FfmpegLog.endReading();
        }
      }
    }
    Ahead a = ahead.poll();
    if (a == null) {
      packetError = aheadEndError;
      aheadEndError = null;
      return aheadEnd;
    }
    av_packet_move_ref(out, a.packet);
    av_packet_free(a.packet);
    packetError = a.demuxError;
    return 0;
  }

  /** One turn at the shared container; false when the segment's seek failed. */
  private boolean turn() throws IOException {
    String[] logged = new String[1];
    AVPacket p = av_packet_alloc();
    c.readLock.lock();
    FfmpegLog.reading(line -> {
      if (logged[0] == null) {
        logged[0] = line;
      }
    });
    try {
      if (lost) {
        throw lostPlace();
      }
      if (claiming) {
        if (!c.pristine) {
          return false;
        }
        c.reader = this;
      } else if (seekPending) {
        seekPending = false;
        c.reader = this;
        VideoIndex.Segment seg = java.util.Objects.requireNonNull(segment);
        if (av_seek_frame(c.format, c.streamIndex, seg.startDts(), AVSEEK_FLAG_BACKWARD) < 0) {
          return false;
        }
      } else if (c.reader != this) {
        c.reader = this;
        resume(p);
        logged[0] = null; // the packet read again was reported the first time
      }
      c.pristine = false;
      long bytes = 0;
      int most = aheadPackets;
      while (ahead.size() < most && bytes < AHEAD_BYTES) {
        int ret = av_read_frame(c.format, p);
        if (ret < 0) {
          aheadEnd = ret;
          aheadEndError = logged[0];
          break;
        }
        if (p.stream_index() != c.streamIndex) {
          av_packet_unref(p); // its error, if any, stays for the next video packet, as when reading alone
          continue;
        }
        resumeDts = p.dts();
        resumePos = p.pos();
        AVPacket kept = av_packet_alloc();
        av_packet_move_ref(kept, p);
        bytes += kept.size();
        ahead.addLast(new Ahead(kept, logged[0]));
        logged[0] = null;
      }
      return true;
    } finally {
      FfmpegLog.endReading();
      c.readLock.unlock();
      av_packet_free(p);
    }
  }

  /** Seeks the shared container back to this decoder's last packet read ahead and reads past it. */
  private void resume(AVPacket p) throws IOException {
    if (resumeDts == AV_NOPTS_VALUE
        || av_seek_frame(c.format, c.streamIndex, resumeDts, AVSEEK_FLAG_BACKWARD | AVSEEK_FLAG_ANY) < 0) {
      throw lostPlace();
    }
    while (true) {
      int ret = av_read_frame(c.format, p);
      if (ret < 0) {
        throw lostPlace();
      }
      boolean video = p.stream_index() == c.streamIndex;
      long dts = p.dts();
      long pos = p.pos();
      av_packet_unref(p);
      if (video && dts == resumeDts && pos == resumePos) {
        return;
      }
      if (video && dts > resumeDts) {
        throw lostPlace();
      }
    }
  }

  private IOException lostPlace() {
    lost = true; // every later read fails too: the demuxer is not where this decoder was
    c.doomed = true;
    reusable = false;
    return new IOException("lost its place in the shared container of " + input.display() + " (" + segment + ")");
  }

  private void dropAhead() {
    for (Ahead a : ahead) {
      av_packet_free(a.packet);
    }
    ahead.clear();
  }

  /** The demuxer's error logged before the current packet (shared) or since the last call (alone), or null. */
  private @Nullable String takeDemuxError() {
    if (shared) {
      String e = packetError;
      packetError = null;
      return e;
    }
    return c.takeDemuxError();
  }

  @Override
  public @Nullable VideoFrame next() throws IOException {
    if (closed) {
      throw new IllegalStateException("decoder is closed");
    }
    started = true;
    while (true) {
      FrameDecodeException report = reports.poll();
      if (report != null) {
        throw report;
      }
      if (held != null) {
        VideoFrame out = held;
        held = null;
        return out;
      }
      if (finished) {
        return null;
      }
      step();
    }
  }

  /** Advances decoding by one frame, one packet or the end; queues frames and reports. */
  private void step() throws IOException {
    int ret;
    if (segment != null) {
      FfmpegLog.reading(this::decoderLogged);
      try {
        ret = avcodec_receive_frame(codec, frame);
      } finally {
        FfmpegLog.endReading();
      }
    } else {
      ret = avcodec_receive_frame(codec, frame);
    }
    if (ret == 0) {
      output();
      return;
    }
    if (ret == AVERROR_EOF) {
      end();
      return;
    }
    if (ret != AVERROR_EAGAIN()) {
      lastError = errorText(ret);
      decoderLogged("decoding error " + lastError);
      if (!tracking) { // no presentation times to find the failed frame by: report it now
        reports.add(new FrameDecodeException("frame failed to decode: " + lastError, ptsMicros(lastPtsTb), 1, null));
      }
      return;
    }
    if (flushing) {
      end(); // a decoder that asks for input while draining has nothing left
      return;
    }
    if (shared) {
      ret = readShared(packet);
    } else {
      c.pristine = false;
      FfmpegLog.reading(c::logged);
      try {
        ret = av_read_frame(c.format, packet);
      } finally {
        FfmpegLog.endReading();
      }
    }
    if (ret < 0) {
      flushing = true;
      avcodec_send_packet(codec, null);
      if (ret != AVERROR_EOF) {
        reusable = false;
      }
      if (!atStart) {
        reusable = false;
        throw new IOException("the key frame of " + segment + " was not found in " + input.display());
      }
      if (ret != AVERROR_EOF) {
        reports.add(new FrameDecodeException("stream ended with a read error: " + errorText(ret), ptsMicros(lastPtsTb), 0, null));
      }
      return;
    }
    try {
      if (packet.stream_index() != c.streamIndex) {
        return;
      }
      long pktPts = packet.pts() != AV_NOPTS_VALUE ? packet.pts() : packet.dts();
      boolean key = (packet.flags() & AV_PKT_FLAG_KEY) != 0;
      if (!atStart) {
        if (takeDemuxError() != null) { // damage before the segment's key frame belongs to the previous segment
          reusable = false;
        }
        if (key && pktPts == segStart) {
          atStart = true;
        } else {
          if (packet.dts() != AV_NOPTS_VALUE && segment != null && packet.dts() > segment.startDts()) {
            if (rescanned) {
              reusable = false;
              throw new IOException("the key frame of " + segment + " was not found in " + input.display());
            }
            rewindToStart(); // the seek landed past the key frame: scan from the start
          }
          return;
        }
      }
      if (keyframesOnly) {
        if (!key) {
          return;
        }
        if (pktPts != AV_NOPTS_VALUE && pktPts >= segEnd) {
          flushing = true;
          avcodec_send_packet(codec, null);
          return;
        }
      }
      boolean ours = pktPts == AV_NOPTS_VALUE || (pktPts >= segStart && pktPts < segEnd);
      // Damage is reported by the decoder that was reading when it occurred: the one whose packet comes
      // after it, or the one whose last packet came before it (the damage then ends its range).
      boolean damageOurs = ours || (lastReadPts != AV_NOPTS_VALUE && lastReadPts >= segStart && lastReadPts < segEnd);
      String damage = takeDemuxError();
      if (damage != null) {
        reusable = false;
      }
      lastReadPts = pktPts;
      boolean tracked = ours && packet.pts() != AV_NOPTS_VALUE; // a decode time (AVI) is not the frame's pts
      long dts = packet.dts(); // only decode times: presentation times go back at every B-frame
      if (dts != AV_NOPTS_VALUE) {
        if (lastDts != AV_NOPTS_VALUE && dts < lastDts) {
          timeline++; // decode times went back: a new timeline (concatenated streams), presented after the last
        }
        lastDts = dts;
      }
      long serial = ++serials;
      packet.opaque(new Serial(serial));
      if (tracked) {
        tracking = true;
        Sent sent = new Sent(timeline, pktPts, serial);
        inFlight.add(sent); // until its frame comes out; if a frame presented after it comes out first, it failed
        bySerial.put(serial, sent);
      }
      if (segment != null) {
        FfmpegLog.reading(this::decoderLogged);
        try {
          ret = avcodec_send_packet(codec, packet);
        } finally {
          FfmpegLog.endReading();
        }
      } else {
        ret = avcodec_send_packet(codec, packet);
      }
      if (ret < 0 && ret != AVERROR_EAGAIN()) {
        lastError = errorText(ret);
        decoderLogged("decoding error " + lastError);
        if (ours && !tracked) {
          reports.add(new FrameDecodeException("frame failed to decode: " + lastError, ptsMicros(lastPtsTb), 1, null));
        }
      }
      if (damage != null && damageOurs) {
        // The demuxer skipped damaged data before this packet: frames may be missing there.
        reports.add(new FrameDecodeException("FW-109", "the container's data is damaged before this point (frames may be missing): "
            + damage, ptsMicros(pktPts), 0, null));
      }
    } finally {
      av_packet_unref(packet);
    }
  }

  /**
   * Sent frames presented before {@code out} that never came out failed: report them, they keep their
   * ids. The message does not carry FFmpeg's last error: with frame threading which error was last
   * depends on timing, and the report must be the same on every run.
   */
  private void failBefore(Sent out) {
    while (!inFlight.isEmpty() && inFlight.first().compareTo(out) < 0) {
      Sent failed = inFlight.pollFirst();
      bySerial.remove(failed.serial());
      failedCount++;
      reports.add(new FrameDecodeException("frame failed to decode: the decoder gave no picture for its packet",
          ptsMicros(failed.pts()), 1, null));
    }
  }

  /**
   * Segment mode: the decoder logged an error, or gave a frame it flagged as damaged. A segment decoded
   * apart from the frames before it may then differ from the whole stream's decoding (a reference
   * that is missing here, concealment that used other pixels), so it is reported, once, with code
   * {@code FW-120}: the engine then decodes the stream whole from this segment on, and this report,
   * like the segment's results, is dropped.
   */
  private void decoderLogged(String line) {
    if (segment != null && !damageReported) {
      damageReported = true;
      reports.add(new FrameDecodeException("FW-120", "the decoder met damaged data in " + segment + ": " + line
          + " (decoded whole from this segment on)", ptsMicros(lastPtsTb), 0, null));
    }
  }

  /** A packet sent to the decoder: its timeline, presentation time and serial number. */
  private record Sent(long timeline, long pts, long serial) implements Comparable<Sent> {
    @Override
    public int compareTo(Sent o) {
      int c = Long.compare(timeline, o.timeline);
      if (c == 0) {
        c = Long.compare(pts, o.pts);
      }
      return c != 0 ? c : Long.compare(serial, o.serial);
    }
  }

  /** A packet's serial number carried as FFmpeg's opaque pointer value (never dereferenced). */
  private static final class Serial extends Pointer {
    Serial(long serial) {
      address = serial;
    }
  }

  /** The stream (or the segment) is over: whatever is still in flight failed. */
  private void end() {
    finished = true;
    failBefore(new Sent(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE));
    try {
      checkEnd();
    } catch (FrameDecodeException e) {
      reports.add(e);
    }
  }

  /**
   * Where the container declares no frame count (Matroska, ...), compares where the stream ended with
   * the duration the container declares: a stream that stops well short of it was probably cut off.
   * The duration is a header figure, so this is a truncation check only: it reports {@code FW-106}
   * with no frame counted as failed. The stream's end is taken on the stream's own clock (a stream
   * may start late: its first timestamp is not 0) or measured from its first frame, whichever is later,
   * as containers differ in whether their duration counts from 0 or from the first timestamp.
   * Sequential mode only.
   */
  private void checkEnd() throws FrameDecodeException {
    if (segment != null || endChecked || c.info.declaredFrames() > 0 || c.videoDurationMs <= 0 || c.info.frameRate() <= 0) {
      return;
    }
    endChecked = true;
    double frameMs = 1000 / c.info.frameRate();
    double lastMs = lastPtsTb == AV_NOPTS_VALUE ? -frameMs : ptsMicros(lastPtsTb) / 1000.0;
    double lastAbsMs = lastPtsTb == AV_NOPTS_VALUE ? -frameMs : lastPtsTb * 1000.0 * c.timeBase.num() / c.timeBase.den();
    double endMs = Math.max(lastMs, lastAbsMs) + frameMs;
    double shortBy = c.videoDurationMs - endMs;
    if (shortBy > Math.max(2 * frameMs, 0.02 * c.videoDurationMs)) {
      throw new FrameDecodeException("FW-106", String.format(Locale.ROOT,
          "the stream ended at %.3f ms but the container declares a duration of %.3f ms: the file is probably truncated"
              + " (a check against the header; no frame is counted as failed)",
          Math.max(0, lastMs + frameMs), c.videoDurationMs), ptsMicros(lastPtsTb), 0, null);
    }
  }

  private long ptsMicros(long pts) {
    if (pts == AV_NOPTS_VALUE) {
      return Long.MIN_VALUE;
    }
    long base = basePts == AV_NOPTS_VALUE ? pts : basePts;
    return Math.round((pts - base) * 1_000_000.0 * c.timeBase.num() / c.timeBase.den());
  }

  /** Takes the decoded frame: drops it outside this decoder's segment, else converts and holds it. */
  private void output() throws IOException {
    Pointer opaque = frame.opaque();
    Sent sent = opaque == null || opaque.isNull() ? null : bySerial.get(opaque.address());
    long pts;
    if (sent != null) {
      pts = sent.pts(); // the packet's own time: FFmpeg's best-effort guess departs from it on damaged timestamps
    } else {
      pts = frame.best_effort_timestamp();
      if (pts == AV_NOPTS_VALUE) {
        pts = lastPtsTb == AV_NOPTS_VALUE ? 0 : lastPtsTb + frameDurationTb;
      }
    }
    if (pts < segStart) {
      return; // a leading frame of the previous segment's range
    }
    if (pts >= segEnd) {
      end(); // output is in presentation order: the segment is complete
      return;
    }
    if (segment != null && (frame.decode_error_flags() != 0 || (frame.flags() & 1 /* AV_FRAME_FLAG_CORRUPT */) != 0)) {
      decoderLogged("a frame decoded with errors (flags " + frame.decode_error_flags() + ")");
    }
    if (sent != null) {
      outputTimeline = sent.timeline();
      failBefore(sent);
      inFlight.remove(sent);
      bySerial.remove(sent.serial());
    } else {
      failBefore(new Sent(outputTimeline, pts, 0));
    }
    lastPtsTb = pts;
    if (basePts == AV_NOPTS_VALUE) {
      basePts = pts;
    }
    long id;
    if (keyframesOnly) {
      id = firstId + gopPrefix;
      gopPrefix += keyframesOut < gopFrames.length ? gopFrames[keyframesOut] : 0;
      keyframesOut++;
    } else {
      id = firstId + outputCount + failedCount;
      outputCount++;
    }
    int srcW = frame.width();
    int srcH = frame.height();
    int fmt = frame.format();
    boolean scale = scaleWidth > 0 && srcW == c.info.width() && srcH == c.info.height();
    int w = scale ? scaleWidth : srcW;
    int h = scale ? scaleHeight : srcH;
    if (pixels == null || w != pixelsWidth || h != pixelsHeight) {
      if (pixels != null) {
        pixels.close();
      }
      // swscale's SIMD output may store past the end of a row of packed BGR (found by fuzzing: a damaged
      // MPEG-4 frame 187 pixels wide corrupted the native heap): one spare row and 64 bytes
      pixels = new BytePointer((long) w * h * 3 + w * 3L + 64);
      pixelsWidth = w;
      pixelsHeight = h;
      dstData.put(0, pixels);
      dstLinesize.put(0, w * 3);
    }
    sws = sws_getCachedContext(sws, srcW, srcH, fmt, w, h, AV_PIX_FMT_BGR24, scale ? SWS_FAST_BILINEAR : SWS_BILINEAR, null, null,
        (DoublePointer) null);
    if (sws == null || sws.isNull()) {
      reports.add(new FrameDecodeException("cannot convert pixel format " + fmt + " to BGR", ptsMicros(pts), 1, null));
      return;
    }
    sws_scale(sws, new PointerPointer<>(frame), frame.linesize(), 0, srcH, dstData, dstLinesize);
    ByteBuffer buffer = pixels.position(0).limit((long) w * h * 3).asByteBuffer();
    held = new VideoFrame(w, h, w * 3, buffer, ptsMicros(pts), id, srcW, srcH);
  }

  @Override
  public boolean scaleTo(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("scale size must be positive: " + width + "x" + height);
    }
    this.scaleWidth = width;
    this.scaleHeight = height;
    return true;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    av_frame_free(frame);
    av_packet_free(packet);
    avcodec_free_context(codec);
    if (shared) {
      boolean damaged = !reusable || packetError != null || aheadEndError != null || ahead.stream().anyMatch(a -> a.demuxError != null);
      dropAhead();
      if (damaged) {
        c.doomed = true;
      }
      ContainerPool.SHARED.give(c, java.util.Objects.requireNonNull(poolIndex));
    } else if (poolIndex != null && reusable && !detached && c.takeDemuxError() == null) {
      ContainerPool.SHARED.give(c, poolIndex);
    } else {
      c.close();
    }
    if (sws != null) {
      sws_freeContext(sws);
    }
    if (pixels != null) {
      pixels.close();
    }
    dstData.close();
    dstLinesize.close();
  }

  @Override
  public String toString() {
    return "FfmpegVideoDecoder[" + input.display() + (segment == null ? "" : ", " + segment) + "]";
  }
}
