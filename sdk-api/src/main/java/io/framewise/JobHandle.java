package io.framewise;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * A job started without blocking ({@link DetectionJob#runAsync}, {@link DetectionJob#writeJsonAsync}):
 * its result as a {@link CompletableFuture}, its latest progress, what it learned about the video and
 * the model, and a way to cancel it.
 *
 * <p>The {@linkplain #result() future} completes with the job's {@link DetectionSummary} (check
 * {@link DetectionSummary#complete()}), or exceptionally with the {@link VideoDetectorException} its
 * synchronous form would have thrown: {@link JobCancelledException} (FW-700) after {@link #cancel()},
 * {@link JobTimeoutException} (FW-701) past its {@linkplain DetectionJob#timeout timeout}. It completes
 * only once the job has stopped: its worker threads ended and its temporary files removed.
 * Cancelling the future itself ({@code result().cancel(true)}) cancels the job too, but that future
 * then reports a plain {@link CancellationException} at once; prefer {@link #cancel()}.
 *
 * <h2>Thread safety</h2>
 * Thread-safe.
 *
 * @since 0.3
 */
public final class JobHandle {

  private static final Progress NONE = new Progress(0, 0, 0, null, 0);

  private final DetectionJob job;
  private final Path video;
  private final CompletableFuture<DetectionSummary> result = new CompletableFuture<>();
  private volatile Progress progress = NONE;
  private volatile @Nullable VideoInfo videoInfo;
  private volatile @Nullable ModelInfo modelInfo;

  JobHandle(DetectionJob job, Path video) {
    this.job = job;
    this.video = video;
    result.whenComplete((s, e) -> {
      if (e instanceof CancellationException) {
        job.cancel(); // the caller cancelled the future itself
      }
    });
  }

  /**
   * Returns the job's result, completed when the job has stopped (see the class description).
   *
   * @return the future summary
   */
  public CompletableFuture<DetectionSummary> result() {
    return result;
  }

  /**
   * Waits for the job and returns its summary, throwing what the synchronous run would have thrown.
   *
   * @return the summary; check {@link DetectionSummary#complete()}
   * @throws VideoDetectorException if the job failed ({@link JobCancelledException} when cancelled or
   *     timed out, and then with the interrupt status of the waiting thread unchanged)
   * @throws CancellationException if the future itself was cancelled
   * @throws JobCancelledException if the waiting thread is interrupted (the job goes on; the thread's
   *     interrupt status stays set)
   */
  public DetectionSummary await() {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JobCancelledException(video, "interrupted while waiting for the job (the job goes on)", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new CompletionException(cause);
    }
  }

  /**
   * Returns the latest progress the job reported (all zero before its first report). See
   * {@link Progress} for what each counter means.
   *
   * @return the latest progress
   */
  public Progress progress() {
    return progress;
  }

  /**
   * Returns what the decoder learned about the video, once the job has opened it.
   *
   * @return the video's info, or null before the job started its first frame
   */
  public @Nullable VideoInfo videoInfo() {
    return videoInfo;
  }

  /**
   * Returns what the model adapter resolved about the model (labels included), once the job has opened it.
   *
   * @return the model's info, or null before the job started its first frame
   */
  public @Nullable ModelInfo modelInfo() {
    return modelInfo;
  }

  /**
   * Returns the job's video (for a remote video, its file name).
   *
   * @return the video
   */
  public Path video() {
    return video;
  }

  /**
   * Cancels the job as {@link DetectionJob#cancel()} does (see docs/design/0009-cancellation.md): a
   * queued job never starts, a running one stops between frames and cleans up; the future then
   * completes with {@link JobCancelledException}. Harmless when repeated or after the end.
   *
   * @return false when the job had already ended
   */
  public boolean cancel() {
    if (result.isDone()) {
      return false;
    }
    job.cancel();
    return true;
  }

  /**
   * Tells whether the job has ended (successfully, failed or cancelled).
   *
   * @return true once {@link #result()} is complete
   */
  public boolean isDone() {
    return result.isDone();
  }

  void started(VideoInfo video, ModelInfo model) {
    this.videoInfo = Objects.requireNonNull(video);
    this.modelInfo = Objects.requireNonNull(model);
  }

  void progressed(Progress p) {
    this.progress = p;
  }

  void complete(DetectionSummary summary) {
    result.complete(summary);
  }

  void fail(Throwable failure) {
    result.completeExceptionally(failure);
  }
}
