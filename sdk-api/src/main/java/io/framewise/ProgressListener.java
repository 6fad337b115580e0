package io.framewise;

/**
 * Receives a job's progress about twice a second, and once more at the end.
 *
 * <h2>Thread safety</h2>
 * Called from the job's thread; keep it quick.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface ProgressListener {

  /**
   * Called with the job's progress.
   *
   * @param progress frames done, total, speed and ETA
   */
  void onProgress(Progress progress);
}
