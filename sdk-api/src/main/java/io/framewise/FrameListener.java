package io.framewise;

/**
 * Receives each frame's detections, in frame order, as a job runs: the way to get results as Java
 * objects instead of JSON (with {@link DetectionJob#run(FrameListener)}), or beside the JSON in the same
 * pass (with {@link DetectionJob#listener(FrameListener)}).
 *
 * <h2>Thread safety</h2>
 * A job calls its listener from one thread at a time: {@link #onStart} once, before the first frame,
 * then {@link #onFrame} in increasing {@code frameId} order.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface FrameListener {

  /**
   * Called once, before the first frame, with what the decoder learned about the video (size, frame
   * rate, codec, duration) and what the model adapter resolved about the model (name, input size,
   * labels: {@link ModelInfo#label(int)} names a {@link Detection}'s class). Not called when the job
   * fails before it has opened both. Does nothing by default.
   *
   * @param video the video
   * @param model the model
   * @since 0.3
   */
  default void onStart(VideoInfo video, ModelInfo model) {}

  /**
   * Called once per processed frame.
   *
   * @param frame the frame's detections (an immutable value the listener may keep)
   */
  void onFrame(FrameDetections frame);
}
