package io.framewise.core.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_CORRUPT;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_DISCARD;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demux-only pass: reads every packet of the video stream without decoding, groups frames by
 * presentation time into groups of pictures (key frame to key frame), and plans keyframe-aligned
 * segments of about the requested size. A frame belongs to the group whose key frame is the last one
 * at or before its presentation time, so the leading B-frames of an open GOP are counted where the
 * decoder will output them. Memory: a few numbers per key frame.
 */
public final class FfmpegIndexer {

  private static final Logger LOG = LoggerFactory.getLogger(FfmpegIndexer.class);

  private FfmpegIndexer() {}

  public static VideoIndex index(Path path, PipelineOptions options) {
    return index(FfmpegInput.local(path), options);
  }

  /**
   * Indexes a local or remote input: from an MP4/MOV sample table when it is usable (no media data is
   * read, see {@link MovSampleTable}), else by the demux pass. Both give the same plan. The container
   * opened for it is kept for the segments that follow ({@link ContainerPool}).
   */
  public static VideoIndex index(FfmpegInput input, PipelineOptions options) {
    return index(input, options, Source.ANY);
  }

  /** Where an index comes from: {@link #ANY} (the sample table when usable, else the demux pass), or one of them only (tests). */
  enum Source {
    ANY, SAMPLE_TABLE, DEMUX_PASS
  }

  static VideoIndex index(FfmpegInput input, PipelineOptions options, Source only) {
    FfmpegVideoDecoder.Container c = FfmpegVideoDecoder.Container.open(input);
    VideoIndex index;
    try {
      // the checks an unchunked run makes before reading (no decoder, one that cannot be opened), so a
      // chunked run fails alike
      avcodec_free_context(FfmpegVideoDecoder.openCodec(c, 1, false));
      long started = System.nanoTime();
      Plan plan = new Plan(input);
      String source = "sample table";
      String why = only == Source.DEMUX_PASS ? "demux pass asked for" : MovSampleTable.read(c, plan);
      if (why != null && only == Source.SAMPLE_TABLE) {
        throw new IllegalStateException(input.display() + ": sample table not usable: " + why);
      }
      if (why != null) {
        source = "demux pass";
        LOG.debug("{}: {}", input.display(), why);
        plan = new Plan(input);
        demuxPass(c, plan);
      }
      index = plan.finish(c, options);
      LOG.debug("{}: indexed {} frames, {} key frames, {} segment(s) from the {} in {} ms", input.display(), index.totalFrames(),
          plan.gops, index.segments().size(), source, (System.nanoTime() - started) / 1_000_000);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    ContainerPool.judge(c, index); // for the budget: one sample table per job, or one per worker
    ContainerPool.SHARED.give(c, index);
    return index;
  }

  /** Reads every packet of the video stream, without decoding, into {@code plan}. */
  private static void demuxPass(FfmpegVideoDecoder.Container c, Plan plan) {
    c.pristine = false; // read to its end: segment 0 cannot take it as a fresh container
    AVPacket pkt = av_packet_alloc();
    try {
      while (true) {
        int ret;
        FfmpegLog.reading(c::logged);
        try {
          ret = av_read_frame(c.format, pkt);
        } finally {
          FfmpegLog.endReading();
        }
        String logged = c.takeDemuxError();
        if (logged != null) {
          plan.damage("the demuxer skipped damaged data: " + logged);
        }
        if (ret < 0) {
          if (ret != AVERROR_EOF) {
            LOG.warn("{}: index pass stopped at a read error: {}", plan.input.display(), FfmpegVideoDecoder.errorText(ret));
            plan.damage("read error: " + FfmpegVideoDecoder.errorText(ret));
          }
          break;
        }
        try {
          if (pkt.stream_index() != c.streamIndex || (pkt.flags() & AV_PKT_FLAG_DISCARD) != 0) {
            continue;
          }
          if ((pkt.flags() & AV_PKT_FLAG_CORRUPT) != 0) {
            plan.damage("a packet is flagged corrupt");
          }
          plan.add(pkt.pts(), pkt.dts(), (pkt.flags() & AV_PKT_FLAG_KEY) != 0, pkt.size());
        } finally {
          av_packet_unref(pkt);
        }
      }
    } finally {
      av_packet_free(pkt);
    }
  }

  /**
   * The plan being built from the video stream's packets in decode order (from the demux pass or a
   * sample table): key frames, frames and bytes per group of pictures, and the first reason the
   * stream cannot be split safely. Memory: a few numbers per key frame.
   */
  static final class Plan {
    private final FfmpegInput input;
    private long[] kfPts = new long[64];
    private long[] kfDts = new long[64];
    private int[] gopFrames = new int[64];
    private long[] gopBytes = new long[64];
    int gops;
    private long frames;
    private long leading; // frames read before the first key frame: counted in group 0 once it exists
    private long leadingBytes;
    private long minPts = Long.MAX_VALUE;
    private long maxPts = Long.MIN_VALUE;
    private boolean ptsMissing;
    private String damage; // why the stream cannot be split safely, or null
    private long lastDts = AV_NOPTS_VALUE;

    Plan(FfmpegInput input) {
      this.input = input;
    }

    /** Records why the stream cannot be split safely (the first reason counts). */
    void damage(String why) {
      if (damage == null) {
        damage = why;
      }
    }

    /**
     * Adds the next packet of the video stream, in decode order.
     *
     * @param packetPts its presentation time, or {@code AV_NOPTS_VALUE}
     * @param dts its decode time, or {@code AV_NOPTS_VALUE} (Matroska with B-frames stores only presentation times)
     */
    void add(long packetPts, long dts, boolean key, long size) {
      if (dts != AV_NOPTS_VALUE) {
        if (lastDts != AV_NOPTS_VALUE && dts < lastDts) {
          damage("decode times go back (" + lastDts + " then " + dts + ")");
        }
        lastDts = dts;
      }
      long pts = packetPts;
      if (pts == AV_NOPTS_VALUE) {
        ptsMissing = true;
        pts = dts;
      }
      if (key && pts != AV_NOPTS_VALUE && gops > 0 && pts <= kfPts[gops - 1]) {
        damage("key frame times do not run forward");
      }
      if (key && pts != AV_NOPTS_VALUE && (gops == 0 || pts > kfPts[gops - 1])) {
        if (gops == kfPts.length) {
          int n = gops * 2;
          kfPts = Arrays.copyOf(kfPts, n);
          kfDts = Arrays.copyOf(kfDts, n);
          gopFrames = Arrays.copyOf(gopFrames, n);
          gopBytes = Arrays.copyOf(gopBytes, n);
        }
        kfPts[gops] = pts;
        kfDts[gops] = dts == AV_NOPTS_VALUE ? pts : dts;
        if (gops == 0) {
          gopFrames[0] = (int) Math.min(Integer.MAX_VALUE, leading);
          gopBytes[0] = leadingBytes;
        }
        gops++;
      }
      if (pts != AV_NOPTS_VALUE) {
        minPts = Math.min(minPts, pts);
        maxPts = Math.max(maxPts, pts);
      }
      frames++;
      if (gops > 0) {
        int g = pts == AV_NOPTS_VALUE ? gops - 1 : gopOf(kfPts, gops, pts);
        gopFrames[g]++;
        gopBytes[g] += size;
      } else {
        leading++;
        leadingBytes += size;
      }
    }

    /** Plans the segments. */
    VideoIndex finish(FfmpegVideoDecoder.Container c, PipelineOptions options) {
      if (frames == 0) {
        throw input.corrupt("FW-105", "the video stream has no frames");
      }
      long base = minPts == Long.MAX_VALUE ? 0 : minPts;
      if (leading > 0 && gops > 0) {
        // not damage in itself (a capture may start mid-GOP), but frames the decoder may or may not
        // output without their references: only the whole stream's decoding says which
        damage(leading + " frame(s) before the first key frame");
      }
      if (damage == null) {
        damage = shortOfHeader(c, frames, minPts, maxPts);
      }
      List<VideoIndex.Segment> segments = new ArrayList<>();
      if (damage != null) {
        LOG.info("{}: {}: decoded whole, not in segments", input.display(), damage);
      }
      if (ptsMissing || gops == 0 || damage != null) {
        if (damage == null) {
          LOG.info("{}: {} — one segment", input.display(), gops == 0 ? "no key frames found" : "packets without presentation times");
        }
        segments.add(new VideoIndex.Segment(0, 0, frames, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, Arrays.stream(gopBytes, 0, gops).sum(),
            new int[] {(int) Math.min(Integer.MAX_VALUE, frames)}));
      } else {
        // frames before the first key frame (if any) were counted in group 0 by gopOf
        long targetBytes = options.chunkBytes();
        long targetMicros = options.chunkDuration() == null ? 0 : options.chunkDuration().toNanos() / 1000;
        AVRational tb = c.timeBase;
        int first = 0;
        long firstId = 0;
        long bytes = 0;
        for (int g = 0; g < gops; g++) {
          bytes += gopBytes[g];
          boolean last = g == gops - 1;
          boolean full = false;
          if (!last && targetBytes > 0) {
            full = bytes >= targetBytes;
          } else if (!last && targetMicros > 0) {
            long micros = Math.round((kfPts[g + 1] - kfPts[first]) * 1_000_000.0 * tb.num() / tb.den());
            full = micros >= targetMicros;
          }
          if (full || last) {
            int[] counts = Arrays.copyOfRange(gopFrames, first, g + 1);
            long n = Arrays.stream(counts).asLongStream().sum();
            long startPts = segments.isEmpty() ? Long.MIN_VALUE : kfPts[first];
            long endPts = last ? Long.MAX_VALUE : kfPts[g + 1];
            segments.add(new VideoIndex.Segment(segments.size(), firstId, n, startPts, endPts, kfDts[first], bytes, counts));
            firstId += n;
            first = g + 1;
            bytes = 0;
          }
        }
      }
      return new VideoIndex(c.info, frames, base, segments, damage != null);
    }
  }

  /**
   * Whether the stream holds fewer frames, or ends earlier, than its header says (a truncated file):
   * such a stream is decoded whole, where the decoder's own truncation check runs. More sensitive than
   * that check (one frame's time instead of two), so every stream that check would flag is decoded whole.
   */
  private static String shortOfHeader(FfmpegVideoDecoder.Container c, long frames, long minPts, long maxPts) {
    long declared = c.info.declaredFrames();
    if (declared > 0) {
      return frames < declared ? "the container declares " + declared + " frames, the stream holds " + frames : null;
    }
    if (c.videoDurationMs <= 0 || c.info.frameRate() <= 0 || maxPts == Long.MIN_VALUE) {
      return null;
    }
    AVRational tb = c.timeBase;
    double frameMs = 1000 / c.info.frameRate();
    double relMs = (maxPts - minPts) * 1000.0 * tb.num() / tb.den();
    double absMs = maxPts * 1000.0 * tb.num() / tb.den();
    double shortBy = c.videoDurationMs - (Math.max(relMs, absMs) + frameMs);
    return shortBy > frameMs ? "the stream ends " + Math.round(shortBy) + " ms before the duration the container declares" : null;
  }

  /** The group whose key frame is the last at or before {@code pts} (group 0 for earlier frames). */
  public static int gopOf(long[] kfPts, int gops, long pts) {
    int lo = 0;
    int hi = gops - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (kfPts[mid] <= pts) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
}
