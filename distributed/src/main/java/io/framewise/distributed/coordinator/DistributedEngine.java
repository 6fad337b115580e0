package io.framewise.distributed.coordinator;

import io.framewise.DetectionSummary;
import io.framewise.DetectorIOException;
import io.framewise.JobCancelledException;
import io.framewise.distributed.tasklog.TaskLog;
import io.framewise.spi.DetectionEngine;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ResultWriter;
import java.io.IOException;
import java.util.Objects;
import org.apache.kafka.common.errors.InterruptException;

/**
 * A {@link DetectionEngine} that runs a job across worker instances: the job is planned here, its
 * segment tasks go through Kafka, and the stored results are merged into the writer in frame order.
 * Given to {@code VideoDetector.builder().engine(...)}, every {@code DetectionJob} feature that is not
 * the engine's (atomic output file, output checks, cancellation) stays as it is; the JSON is the one
 * the default engine writes with the same chunk size and settings.
 *
 * <pre>{@code
 * TaskLog log = new TaskLog(TaskLogSettings.of("kafka:9092"));
 * VideoDetector d = VideoDetector.builder().engine(DistributedEngine.onStore(log, store)).build();
 * d.newJob(video).model(model).chunkSize(Duration.ofSeconds(30)).writeJson(out);
 * }</pre>
 *
 * <p>Not registered as a service: it must be chosen explicitly.
 */
public final class DistributedEngine implements DetectionEngine {

  /** Plans a job: its tasks, store and merger, writing into the given writer. */
  @FunctionalInterface
  public interface Planner {
    /**
     * @param config the job
     * @param writer where the merged results go
     * @return the planned job
     * @throws IOException if the input cannot be indexed or the store used
     */
    PlannedJob plan(JobConfig config, ResultWriter writer) throws IOException;
  }

  private final Coordinator coordinator;
  private final Planner planner;
  private volatile Coordinator.@org.jspecify.annotations.Nullable Outcome last;

  /**
   * An engine whose jobs are planned by Framewise's planner, with results in a store directory that
   * every instance reaches ({@link io.framewise.core.store.DirectoryResultStore#shared}).
   *
   * @param log the task log
   * @param store the shared result store directory
   * @return the engine
   */
  public static DistributedEngine onStore(TaskLog log, java.nio.file.Path store) {
    io.framewise.core.store.ResultStore s = io.framewise.core.store.DirectoryResultStore.shared(store);
    return new DistributedEngine(log, (config, writer) -> new StoredJob(config, writer, s));
  }

  /**
   * @param log the task log
   * @param planner plans jobs
   */
  public DistributedEngine(TaskLog log, Planner planner) {
    this.coordinator = new Coordinator(Objects.requireNonNull(log, "log"));
    this.planner = Objects.requireNonNull(planner, "planner");
  }

  @Override
  public String name() {
    return "distributed";
  }

  /** What the last job run by this engine published and reused, or null. */
  public Coordinator.@org.jspecify.annotations.Nullable Outcome lastOutcome() {
    return last;
  }

  @Override
  public DetectionSummary run(JobConfig config, ResultWriter writer) {
    try (PlannedJob job = planner.plan(config, writer)) {
      Coordinator.Outcome outcome = coordinator.run(job);
      last = outcome;
      return outcome.summary();
    } catch (InterruptException e) {
      Thread.currentThread().interrupt();
      throw new JobCancelledException(config.video(), "the job was cancelled", e);
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new JobCancelledException(config.video(), "the job was cancelled", e);
      }
      throw new DetectorIOException(config.video(), "cannot complete the distributed job", e);
    }
  }
}
