package io.framewise.spi;

import io.framewise.VideoInfo;
import java.util.List;
import java.util.Objects;

/**
 * What a demux-only pass over a video learned: its frames, and their split into keyframe-aligned
 * segments that can be decoded independently. Each segment knows its first global frame id and how
 * many frames it must decode, so segment results glue back with exact frame ids.
 *
 * <p>Memory: a few numbers per segment and one per key frame; nothing per frame.
 *
 * @param info the video, as a decoder reports it
 * @param totalFrames frames in the stream
 * @param basePts the earliest presentation time in the stream, in stream time base units: {@code ptsMs}
 *     is measured from it
 * @param segments the segments, in frame order, covering every frame exactly once
 * @param damaged the demux pass met damage (a read error, data the demuxer skipped, a corrupt packet)
 *     or timestamps that do not run forward (decode times that go back, repeated key frame times): its
 *     counts and segment bounds cannot be trusted to match what a decoder outputs, so the engine decodes
 *     such a stream whole, as an unchunked run does (since 0.2)
 * @since 0.1
 */
public record VideoIndex(VideoInfo info, long totalFrames, long basePts, List<Segment> segments, boolean damaged) {

  /**
   * An index of an undamaged stream.
   *
   * @param info the video
   * @param totalFrames frames in the stream
   * @param basePts the earliest presentation time
   * @param segments the segments
   */
  public VideoIndex(VideoInfo info, long totalFrames, long basePts, List<Segment> segments) {
    this(info, totalFrames, basePts, segments, false);
  }

  /** Copies the segment list and checks that segments tile the frames. */
  public VideoIndex {
    Objects.requireNonNull(info, "info");
    segments = List.copyOf(segments);
    long next = 0;
    for (Segment s : segments) {
      if (s.firstFrameId() != next) {
        throw new IllegalArgumentException("segment " + s.index() + " starts at frame " + s.firstFrameId() + ", expected " + next);
      }
      next += s.frameCount();
    }
    if (next != totalFrames) {
      throw new IllegalArgumentException("segments cover " + next + " frames, the stream has " + totalFrames);
    }
  }

  /**
   * A keyframe-aligned run of frames: those whose presentation time lies in {@code [startPts, endPts)}.
   *
   * @param index the segment's position, 0-based
   * @param firstFrameId the global id of its first frame
   * @param frameCount how many frames it holds
   * @param startPts presentation time of its first (key) frame, in stream time base units
   * @param endPts presentation time where the next segment starts ({@code Long.MAX_VALUE} for the last)
   * @param startDts decode time of its first key frame, in stream time base units
   * @param bytes compressed bytes of its packets
   * @param gopFrames frames per group of pictures (key frame to key frame) inside the segment, which
   *     gives the id of each key frame; sums to {@code frameCount}
   */
  public record Segment(int index, long firstFrameId, long frameCount, long startPts, long endPts, long startDts, long bytes,
      int[] gopFrames) {

    /** Validates the counts. */
    public Segment {
      if (index < 0 || firstFrameId < 0 || frameCount < 0 || bytes < 0) {
        throw new IllegalArgumentException("negative segment field");
      }
      gopFrames = gopFrames.clone();
    }

    /**
     * Returns the last frame id of the segment.
     *
     * @return {@code firstFrameId + frameCount - 1}
     */
    public long lastFrameId() {
      return firstFrameId + frameCount - 1;
    }

    @Override
    public int[] gopFrames() {
      return gopFrames.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Segment s && s.index == index && s.firstFrameId == firstFrameId && s.frameCount == frameCount
          && s.startPts == startPts && s.endPts == endPts && s.startDts == startDts && s.bytes == bytes
          && java.util.Arrays.equals(s.gopFrames, gopFrames);
    }

    @Override
    public int hashCode() {
      return Objects.hash(index, firstFrameId, frameCount, startPts, endPts, startDts, bytes) * 31 + java.util.Arrays.hashCode(gopFrames);
    }

    @Override
    public String toString() {
      return "Segment[" + index + ": frames " + firstFrameId + ".." + lastFrameId() + ", " + bytes + " bytes]";
    }
  }
}
