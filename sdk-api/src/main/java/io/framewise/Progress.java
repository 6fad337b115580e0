package io.framewise;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How far a job has come. Two counters, because a job may run the model on fewer frames than it goes
 * through ({@link DetectionJob#frameStride}, {@link DetectionJob#keyframesOnly}):
 * <ul>
 *   <li>{@link #framesDone}: frames of the video the job has <em>covered</em>, that is gone past in
 *       presentation order, whether it ran the model on them, skipped them by stride, or failed to
 *       decode them; the unit of {@link #framesTotal}, {@link #fps}, {@link #eta} and {@link #fraction()}.
 *       At the end it equals {@link DetectionSummary#framesDecoded()} (which counts failed frames too).
 *   <li>{@link #framesProcessed}: frames the model ran on and whose detections were written (handed to a
 *       {@link FrameListener}); at the end it equals {@link DetectionSummary#framesProcessed()}.
 * </ul>
 * With {@code frameStride(10)} on a clip of 1,394 frames the last report says 1,394 done, 140 processed.
 *
 * @param framesDone frames covered so far (see above)
 * @param framesTotal frames the video is expected to have (declared by the container, or estimated
 *     from duration and frame rate), 0 when unknown
 * @param fps frames covered per second so far
 * @param eta estimated time to the end, or null when unknown
 * @param framesProcessed frames the model ran on so far (see above)
 * @since 0.1
 */
public record Progress(long framesDone, long framesTotal, double fps, @Nullable Duration eta, long framesProcessed) {

  /**
   * Progress of a job that runs the model on every frame it covers ({@code framesProcessed == framesDone}).
   *
   * @param framesDone frames covered so far
   * @param framesTotal frames expected, 0 when unknown
   * @param fps frames covered per second
   * @param eta time to the end, or null
   */
  public Progress(long framesDone, long framesTotal, double fps, @Nullable Duration eta) {
    this(framesDone, framesTotal, fps, eta, framesDone);
  }

  /**
   * Returns the fraction of the video covered.
   *
   * @return a value in [0, 1], or -1 when the total is unknown
   */
  public double fraction() {
    return framesTotal <= 0 ? -1 : Math.min(1.0, (double) framesDone / framesTotal);
  }
}
