package io.framewise;

import java.util.List;

/**
 * What was found in one frame.
 *
 * @param frameId 0-based index of the frame in presentation order among all decoded frames of the
 *     first video stream
 * @param ptsMs presentation time in milliseconds, from the stream's own timestamps (so variable frame
 *     rate stays right), measured from the first frame of the stream
 * @param detections the objects found, best score first; empty when nothing was found
 * @since 0.1
 */
public record FrameDetections(long frameId, double ptsMs, List<Detection> detections) {

  /**
   * Copies the list and validates the id.
   *
   * @throws IllegalArgumentException if {@code frameId} is negative
   */
  public FrameDetections {
    if (frameId < 0) {
      throw new IllegalArgumentException("frameId must be >= 0, was " + frameId);
    }
    detections = List.copyOf(detections);
  }
}
