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
   * @param config the job
   * @param writer where results go; the engine calls {@code begin}, {@code frame}, {@code end} and
   *     {@code close}, but never {@code end} when it throws
   * @return the job's summary, also given to {@code writer.end}
   * @throws VideoDetectorException if the job cannot be completed
   */
  DetectionSummary run(JobConfig config, ResultWriter writer);
}
