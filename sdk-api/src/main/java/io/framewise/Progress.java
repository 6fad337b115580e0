package io.framewise;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How far a job has come.
 *
 * @param framesDone frames processed so far
 * @param framesTotal frames the video is expected to have (declared by the container, or estimated
 *     from duration and frame rate), 0 when unknown
 * @param fps processing speed so far, in frames per second
 * @param eta estimated time to the end, or null when unknown
 * @since 0.1
 */
public record Progress(long framesDone, long framesTotal, double fps, @Nullable Duration eta) {

  /**
   * Returns the fraction done.
   *
   * @return a value in [0, 1], or -1 when the total is unknown
   */
  public double fraction() {
    return framesTotal <= 0 ? -1 : Math.min(1.0, (double) framesDone / framesTotal);
  }
}
