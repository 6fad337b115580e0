package io.framewise;

import java.util.List;

/**
 * The outcome of a whole job. A result is complete only when every decoded frame was processed and no
 * frame or stream error was met: {@code complete} says so, and consumers must check it.
 *
 * @param framesDecoded frames the decoder produced
 * @param framesProcessed frames the model ran on and that were written
 * @param framesFailed frames that failed to decode or to process
 * @param detections objects found over the whole video
 * @param complete true when the output covers the whole video without errors
 * @param errors the problems met, at most {@link #MAX_ERRORS} of them (the count of the others is in
 *     a last entry); never grows with the length of the video beyond that
 * @since 0.1
 */
public record DetectionSummary(
    long framesDecoded, long framesProcessed, long framesFailed, long detections, boolean complete, List<JobError> errors) {

  /** The most errors a summary keeps; the rest are counted in one final entry. */
  public static final int MAX_ERRORS = 100;

  /** Copies the error list. */
  public DetectionSummary {
    errors = List.copyOf(errors);
  }
}
