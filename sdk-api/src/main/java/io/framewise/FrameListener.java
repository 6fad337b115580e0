package io.framewise;

/**
 * Receives each frame's detections, in frame order, as a job runs: the way to get results as Java
 * objects instead of JSON.
 *
 * <h2>Thread safety</h2>
 * A job calls its listener from one thread at a time, in increasing {@code frameId} order.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface FrameListener {

  /**
   * Called once per processed frame.
   *
   * @param frame the frame's detections (an immutable value the listener may keep)
   */
  void onFrame(FrameDetections frame);
}
