package io.framewise.core;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
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
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_NONE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_log_get_level;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import io.framewise.CorruptMediaException;
import io.framewise.UnsupportedMediaException;
import io.framewise.VideoInfo;
import io.framewise.spi.FrameDecodeException;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.bytedeco.javacpp.PointerPointer;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the first video stream of a file with FFmpeg, in presentation order, to packed BGR. Frames
 * that fail to decode are reported one by one ({@link FrameDecodeException}) and decoding goes on;
 * a read error ends the stream with one error saying so.
 */
final class FfmpegVideoDecoder implements VideoDecoder {

  private static volatile boolean logLevelSet;

  private final Path path;
  private final AVFormatContext format;
  private final AVCodecContext codec;
  private final int streamIndex;
  private final AVRational timeBase;
  private long basePts = AV_NOPTS_VALUE;
  private final long frameDurationMicros;
  private final VideoInfo info;
  private final AVPacket packet;
  private final AVFrame frame;

  private @Nullable SwsContext sws;
  private @Nullable BytePointer pixels;
  private int pixelsWidth;
  private int pixelsHeight;
  private int pixelsFormat = AV_PIX_FMT_NONE;
  private final PointerPointer<BytePointer> dstData = new PointerPointer<>(4);
  private final IntPointer dstLinesize = new IntPointer(4);

  private boolean flushing;
  private boolean finished;
  private long lastPtsMicros = Long.MIN_VALUE;
  private boolean closed;
  private boolean endChecked;
  private final double videoDurationMs;

  private FfmpegVideoDecoder(Path path, AVFormatContext format, AVCodecContext codec, int streamIndex, VideoInfo info) {
    this.path = path;
    this.format = format;
    this.codec = codec;
    this.streamIndex = streamIndex;
    AVStream stream = format.streams(streamIndex);
    this.timeBase = stream.time_base();
    this.frameDurationMicros = info.frameRate() > 0 ? Math.round(1_000_000 / info.frameRate()) : 0;
    // The video stream's own duration; the container's only when it holds nothing else (audio may be longer).
    if (stream.duration() != AV_NOPTS_VALUE && stream.duration() > 0) {
      this.videoDurationMs = stream.duration() * 1000.0 * timeBase.num() / timeBase.den();
    } else if (format.nb_streams() == 1 && format.duration() != AV_NOPTS_VALUE && format.duration() > 0) {
      this.videoDurationMs = format.duration() / 1000.0;
    } else {
      this.videoDurationMs = 0;
    }
    this.info = info;
    this.packet = av_packet_alloc();
    this.frame = av_frame_alloc();
  }

  static FfmpegVideoDecoder open(Path path) {
    checkFile(path);
    quietFfmpeg();
    AVFormatContext format = new AVFormatContext(null);
    int ret = avformat_open_input(format, path.toString(), null, null);
    if (ret < 0) {
      throw new CorruptMediaException("FW-102", path, "not a readable media file: " + errorText(ret), null);
    }
    AVCodecContext codec = null;
    try {
      ret = avformat_find_stream_info(format, (PointerPointer<?>) null);
      if (ret < 0) {
        throw new CorruptMediaException("FW-102", path, "cannot read stream information: " + errorText(ret), null);
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
        throw new UnsupportedMediaException("FW-103", path, "no video stream (" + format.nb_streams() + " other stream(s))", null);
      }
      AVStream stream = format.streams(index);
      AVCodecParameters par = stream.codecpar();
      String codecName = avcodec_get_name(par.codec_id()).getString();
      AVCodec decoder = avcodec_find_decoder(par.codec_id());
      if (decoder == null || decoder.isNull()) {
        throw new UnsupportedMediaException("FW-104", path, "no decoder for video codec '" + codecName + "'", null);
      }
      codec = avcodec_alloc_context3(decoder);
      if (avcodec_parameters_to_context(codec, par) < 0) {
        throw new UnsupportedMediaException("FW-104", path, "cannot configure the '" + codecName + "' decoder", null);
      }
      codec.pkt_timebase(stream.time_base());
      codec.thread_count(0);
      ret = avcodec_open2(codec, decoder, (AVDictionary) null);
      if (ret < 0) {
        throw new UnsupportedMediaException("FW-104", path, "cannot open the '" + codecName + "' decoder: " + errorText(ret), null);
      }
      if (codec.width() <= 0 || codec.height() <= 0) {
        throw new CorruptMediaException("FW-102", path, "video stream has no frame size", null);
      }
      AVRational rate = av_guess_frame_rate(format, stream, null);
      double frameRate = rate.num() > 0 && rate.den() > 0 ? (double) rate.num() / rate.den() : 0;
      double durationMs = format.duration() != AV_NOPTS_VALUE && format.duration() > 0
          ? format.duration() / 1000.0
          : stream.duration() != AV_NOPTS_VALUE && stream.duration() > 0
              ? stream.duration() * 1000.0 * stream.time_base().num() / stream.time_base().den()
              : 0;
      long declared = Math.max(0, stream.nb_frames());
      VideoInfo info = new VideoInfo(String.valueOf(path.getFileName()), codec.width(), codec.height(), frameRate, codecName, durationMs, declared);
      return new FfmpegVideoDecoder(path, format, codec, index, info);
    } catch (RuntimeException e) {
      if (codec != null) {
        avcodec_free_context(codec);
      }
      avformat_close_input(format);
      throw e;
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

  /** FFmpeg logs at INFO by default to stderr; errors reach the caller as exceptions instead. */
  private static void quietFfmpeg() {
    if (!logLevelSet) {
      synchronized (FfmpegVideoDecoder.class) {
        if (!logLevelSet && Boolean.parseBoolean(System.getProperty("framewise.ffmpeg.quiet", "true"))
            && av_log_get_level() > AV_LOG_ERROR) {
          av_log_set_level(AV_LOG_ERROR - 8); // AV_LOG_FATAL: decode errors surface through return codes
        }
        logLevelSet = true;
      }
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
    return info;
  }

  @Override
  public @Nullable VideoFrame next() throws IOException {
    if (closed) {
      throw new IllegalStateException("decoder is closed");
    }
    while (!finished) {
      int ret = avcodec_receive_frame(codec, frame);
      if (ret == 0) {
        return convert();
      }
      if (ret == AVERROR_EOF) {
        finished = true;
        checkEnd();
        return null;
      }
      if (ret != AVERROR_EAGAIN()) {
        throw new FrameDecodeException("frame failed to decode: " + errorText(ret), lastPtsMicros, 1, null);
      }
      if (flushing) {
        finished = true; // a decoder that asks for input while draining has nothing left
        checkEnd();
        return null;
      }
      ret = av_read_frame(format, packet);
      if (ret < 0) {
        flushing = true;
        avcodec_send_packet(codec, null);
        if (ret != AVERROR_EOF) {
          throw new FrameDecodeException("stream ended with a read error: " + errorText(ret), lastPtsMicros, 0, null);
        }
        continue;
      }
      try {
        if (packet.stream_index() != streamIndex) {
          continue;
        }
        long pktPts = packet.pts() != AV_NOPTS_VALUE ? packet.pts() : packet.dts();
        ret = avcodec_send_packet(codec, packet);
        if (ret < 0 && ret != AVERROR_EAGAIN()) {
          throw new FrameDecodeException(
              "packet failed to decode: " + errorText(ret), pktPts == AV_NOPTS_VALUE ? Long.MIN_VALUE : toMicros(pktPts), 1, null);
        }
      } finally {
        av_packet_unref(packet);
      }
    }
    return null;
  }

  /**
   * Converts a stream timestamp to microseconds from the first decoded frame. Measuring from the first
   * frame (not the container's start time) keeps frame 0 at 0 also where a container's timestamps
   * are shifted by the B-frame reorder delay (AVI) or start late.
   */
  /**
   * Where the container declares no frame count (Matroska, ...), compares where the stream ended with
   * the video's duration: a stream that stops well short of it was cut off.
   */
  private void checkEnd() throws FrameDecodeException {
    if (endChecked || info.declaredFrames() > 0 || videoDurationMs <= 0 || frameDurationMicros <= 0) {
      return;
    }
    endChecked = true;
    double frameMs = frameDurationMicros / 1000.0;
    double lastMs = lastPtsMicros == Long.MIN_VALUE ? -frameMs : lastPtsMicros / 1000.0;
    double shortBy = videoDurationMs - (lastMs + frameMs);
    if (shortBy > Math.max(2 * frameMs, 0.02 * videoDurationMs)) {
      int missing = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(shortBy / frameMs)));
      throw new FrameDecodeException("FW-106", String.format(java.util.Locale.ROOT,
          "the stream ended at %.3f ms but the video lasts %.3f ms (about %d frame(s) missing): the file is probably truncated",
          Math.max(0, lastMs), videoDurationMs, missing), lastPtsMicros, missing, null);
    }
  }

  private long toMicros(long pts) {
    long base = basePts == AV_NOPTS_VALUE ? pts : basePts;
    return Math.round((pts - base) * 1_000_000.0 * timeBase.num() / timeBase.den());
  }

  private VideoFrame convert() throws IOException {
    int w = frame.width();
    int h = frame.height();
    int fmt = frame.format();
    if (pixels == null || w != pixelsWidth || h != pixelsHeight || fmt != pixelsFormat) {
      if (pixels != null) {
        pixels.close();
      }
      pixels = new BytePointer((long) w * h * 3);
      pixelsWidth = w;
      pixelsHeight = h;
      pixelsFormat = fmt;
      dstData.put(0, pixels);
      dstLinesize.put(0, w * 3);
    }
    sws = sws_getCachedContext(sws, w, h, fmt, w, h, AV_PIX_FMT_BGR24, SWS_BILINEAR, null, null, (DoublePointer) null);
    if (sws == null || sws.isNull()) {
      throw new FrameDecodeException("cannot convert pixel format " + fmt + " to BGR", lastPtsMicros, 1, null);
    }
    sws_scale(sws, new PointerPointer<>(frame), frame.linesize(), 0, h, dstData, dstLinesize);
    long pts = frame.best_effort_timestamp();
    long micros;
    if (pts == AV_NOPTS_VALUE) {
      micros = lastPtsMicros == Long.MIN_VALUE ? 0 : lastPtsMicros + frameDurationMicros;
    } else {
      if (basePts == AV_NOPTS_VALUE) {
        basePts = pts;
      }
      micros = toMicros(pts);
    }
    lastPtsMicros = micros;
    ByteBuffer buffer = pixels.position(0).limit((long) w * h * 3).asByteBuffer();
    return new VideoFrame(w, h, w * 3, buffer, micros);
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
    avformat_close_input(format);
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
    return "FfmpegVideoDecoder[" + path + "]";
  }
}
