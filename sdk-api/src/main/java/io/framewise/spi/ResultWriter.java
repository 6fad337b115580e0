package io.framewise.spi;

import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.ModelInfo;
import io.framewise.VideoInfo;
import java.io.IOException;

/**
 * Receives a job's results in order: {@link #begin} once, {@link #frame} per frame in increasing
 * frame id, {@link #end} once when the job finished (complete or not). When the job fails with an
 * exception, {@code end} is not called, so a streamed document is left unterminated rather than
 * looking finished.
 *
 * <h2>Thread safety</h2>
 * Not thread-safe: called from one thread at a time.
 *
 * <h2>Lifecycle</h2>
 * The engine calls {@link #close()} after {@code end} or after a failure. A writer never closes a
 * caller's output stream unless it was told to.
 *
 * @since 0.1
 */
public interface ResultWriter extends AutoCloseable {

  /**
   * Starts the output.
   *
   * @param video the video
   * @param model the model
   * @throws IOException if writing fails
   */
  void begin(VideoInfo video, ModelInfo model) throws IOException;

  /**
   * Writes one frame's detections.
   *
   * @param frame the frame
   * @throws IOException if writing fails
   */
  void frame(FrameDetections frame) throws IOException;

  /**
   * Finishes the output with the job's summary and flushes it.
   *
   * @param summary the outcome
   * @throws IOException if writing fails
   */
  void end(DetectionSummary summary) throws IOException;

  /**
   * Releases what the writer holds; flushes but does not finish the document.
   *
   * @throws IOException if flushing fails
   */
  @Override
  void close() throws IOException;
}
