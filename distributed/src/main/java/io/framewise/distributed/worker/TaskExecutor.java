package io.framewise.distributed.worker;

/**
 * Runs one segment task on this instance and puts its result in the result store. Implemented by
 * {@link SegmentTaskExecutor} (Framewise's segment runner and result store); the worker's Kafka loop
 * only sees this.
 */
public interface TaskExecutor extends AutoCloseable {

  /**
   * Runs the task unless its result is already stored, and stores the result (put if absent).
   *
   * @param task the encoded task (the record's value)
   * @param job the job named by the record
   * @param segment the segment index named by the record
   * @return a one-line description for the completion event ("computed ...", "already stored")
   * @throws io.framewise.VideoDetectorException with code FW-820..FW-823 when this worker refuses the
   *     task (malformed, model content differs, input or providers differ, input not allowed); any
   *     other exception is a failed attempt
   * @throws Exception on a failed attempt
   */
  String execute(byte[] task, String job, int segment) throws Exception;

  @Override
  default void close() {}
}
