package io.framewise.distributed.coordinator;

import io.framewise.DetectionSummary;
import java.io.IOException;

/**
 * One job as the coordinator sees it: its tasks, the result store and the merger that writes the
 * JSON. Implemented on Framewise's planner, result store and segment merger; the
 * coordinator's Kafka loop only sees this. Segments are merged strictly in order, each once.
 */
public interface PlannedJob extends AutoCloseable {

  /** The job's identity (its fingerprint, hex), shared by all its tasks and results. */
  String id();

  /** How many segment tasks the job has (indexes 0..n-1). */
  int segments();

  /**
   * The encoded task of a segment.
   *
   * @param segment its index; {@link #segments()} names the tail task once {@link #merge} asked for it
   * @return the task's bytes
   */
  byte[] task(int segment);

  /**
   * Whether the store holds the segment's result.
   *
   * @param segment the index
   * @return true if it is stored
   * @throws IOException if the store cannot be read
   */
  boolean stored(int segment) throws IOException;

  /**
   * Replays the segment's stored result into the output.
   *
   * @param segment the next index in order
   * @return true when the job goes on with the next segment; false when the segment met damaged data
   *     and the rest of the stream must be decoded whole: the tail task (index {@link #segments()})
   *     then replaces all later segments
   * @throws UnsoundResult if the stored result is not sound (damaged on the shared store): it was removed,
   *     and the segment's task must run again
   * @throws IOException if the result cannot be read or written
   */
  boolean merge(int segment) throws IOException;

  /** A stored result that is not sound; it was removed from the store so that its task runs again. */
  final class UnsoundResult extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the segment
     * @param cause the store's finding
     */
    public UnsoundResult(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Records that a segment's frames are lost: FW-108 in the summary's errors, its frames failed.
   *
   * @param segment the index
   * @param why a one-line reason (attempts, last failure)
   */
  void lost(int segment, String why);

  /**
   * Records an error found on the way (for example a differing duplicate result, FW-824) in the
   * summary.
   *
   * @param code the FW code
   * @param message what happened
   * @param segment the segment it concerns
   */
  void error(String code, String message, int segment);

  /**
   * Ends the document with the summary.
   *
   * @return the summary written
   * @throws IOException if the output cannot be written
   */
  DetectionSummary finish() throws IOException;

  /** Closes the output; a job not finished leaves no complete-looking file. */
  @Override
  void close() throws IOException;
}
