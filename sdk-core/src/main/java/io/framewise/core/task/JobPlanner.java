package io.framewise.core.task;

import io.framewise.ModelInfo;
import io.framewise.core.pipeline.Cancellation;
import io.framewise.core.plan.Budget;
import io.framewise.core.plan.IndexCache;
import io.framewise.core.run.LocalRun;
import io.framewise.spi.JobConfig;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans a chunked job: indexes the input (cached per input), loads the model once to learn its
 * size, cost and batch limit, plans the memory budget of its segments and derives the job's
 * fingerprint. The local chunked run and a distributed coordinator plan the same way, so their tasks
 * (and bytes) are the same.
 */
public final class JobPlanner {

  private static final Logger LOG = LoggerFactory.getLogger(JobPlanner.class);

  private JobPlanner() {}

  /**
   * Plans a job.
   *
   * @param config the job (a local or remote input; its decoder must support segments)
   * @return the plan
   * @throws IOException if the input cannot be indexed or read
   * @throws io.framewise.VideoDetectorException as the checks of the input, the model and the budget report
   */
  public static JobPlan plan(JobConfig config) throws IOException {
    VideoIndex index = IndexCache.get(config);
    Cancellation.check(config.video());
    int segments = index.segments().size();
    int planned = Budget.segmentWorkers(config.options(), segments);
    ModelInfo modelInfo;
    int maxBatch;
    Budget.ModelCost cost;
    // Opened for the workers the job plans, so the probe's session is the one they will share.
    try (ModelAdapter probe = LocalRun.openModel(config, planned)) {
      modelInfo = probe.info();
      maxBatch = probe.maxBatchSize();
      cost = Budget.ModelCost.of(probe, config);
    }
    boolean shared = config.decoder() instanceof io.framewise.core.FfmpegDecoderProvider
        && io.framewise.core.ffmpeg.ContainerPool.sharesContainers(index);
    Budget budget = Budget.plan(config.video(), index.info(), modelInfo, cost, config.options(), maxBatch, true, planned, segments, shared);
    JobFingerprint fingerprint = JobFingerprint.of(config);
    LOG.debug("{}: {} frames in {} segment(s); {} worker(s), batch {}, budget {} MiB ({} MiB per worker)", config.video().getFileName(),
        index.totalFrames(), segments, budget.parallelism(), budget.batch(), budget.budgetBytes() >> 20, budget.perWorkerBytes() >> 20);
    return new JobPlan(config, index, fingerprint, modelInfo, budget.batch(), budget.parallelism(), budget.window(), planned);
  }
}
