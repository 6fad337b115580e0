package io.framewise;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Watches every job of one detector, for metrics or audit (a Micrometer {@code MeterBinder}, a log of
 * jobs); registered with {@link VideoDetector.Builder#addObserver(JobObserver)}. Each job reports, in
 * this order: {@link #jobStarted} once it has opened the video and the model (not at all when it fails
 * before), {@link #jobProgress} about twice a second, then exactly one of {@link #jobFinished} or
 * {@link #jobFailed} (also when it failed before it started). A cancelled or timed-out job
 * {@linkplain #jobFailed fails} with {@link JobCancelledException} ({@link JobTimeoutException}).
 *
 * <h2>Thread safety</h2>
 * Called from the jobs' threads, several jobs at once; one job's calls come one at a time. Keep each
 * call quick and thread-safe. An exception an observer throws is logged through
 * {@link System.Logger} and otherwise ignored: it never changes the job's outcome.
 *
 * @since 0.3
 */
public interface JobObserver {

  /**
   * Identifies one job to observers.
   *
   * @param id a number unique within the detector, in the order jobs were run
   * @param video the video's file name, or a remote video's address without user information or query
   * @param started when the job's terminal method was called
   * @since 0.3
   */
  record Job(long id, String video, Instant started) {

    /** Validates the fields. */
    public Job {
      Objects.requireNonNull(video, "video");
      Objects.requireNonNull(started, "started");
    }
  }

  /**
   * The job has opened the video and the model, before its first frame.
   *
   * @param job the job
   * @param video the video
   * @param model the model
   */
  default void jobStarted(Job job, VideoInfo video, ModelInfo model) {}

  /**
   * The job's progress (see {@link Progress} for what each counter means).
   *
   * @param job the job
   * @param progress how far it has come
   */
  default void jobProgress(Job job, Progress progress) {}

  /**
   * The job ended and returned its summary, complete or not ({@link DetectionSummary#complete()}).
   *
   * @param job the job
   * @param summary its outcome
   * @param duration from the terminal call to the end
   */
  default void jobFinished(Job job, DetectionSummary summary, Duration duration) {}

  /**
   * The job ended with an exception (which its caller gets too).
   *
   * @param job the job
   * @param failure why ({@link JobCancelledException} when cancelled, {@link JobTimeoutException} when
   *     past its timeout)
   * @param duration from the terminal call to the end
   */
  default void jobFailed(Job job, Throwable failure, Duration duration) {}
}
