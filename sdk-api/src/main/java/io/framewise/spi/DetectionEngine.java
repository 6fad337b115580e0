package io.framewise.spi;

import io.framewise.DetectionSummary;
import io.framewise.VideoDetectorException;

/**
 * Runs whole jobs: decode, detect, write. {@code sdk-core} provides the default engine; the API finds
 * it through {@link java.util.ServiceLoader}.
 *
 * @since 0.1
 */
public interface DetectionEngine extends Provider {

  /**
   * Runs a job to the end, writing every frame's detections in frame order.
   *
   * <p>Cancellation: when the calling thread is interrupted the engine stops soon (between frames),
   * stops and waits for any thread it started, removes its temporary files, and throws
   * {@link io.framewise.JobCancelledException} with the interrupt status still set. It never swallows
   * the interrupt.
   *
   * @param config the job
   * @param writer where results go; the engine calls {@code begin}, {@code frame}, {@code end} and
   *     {@code close}, but never {@code end} when it throws
   * @return the job's summary, also given to {@code writer.end}
   * @throws VideoDetectorException if the job cannot be completed ({@link io.framewise.JobCancelledException}
   *     when it was cancelled)
   */
  DetectionSummary run(JobConfig config, ResultWriter writer);
}
