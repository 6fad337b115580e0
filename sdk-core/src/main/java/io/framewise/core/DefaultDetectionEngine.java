package io.framewise.core;

import io.framewise.DetectionSummary;
import io.framewise.core.run.LocalRun;
import io.framewise.spi.DetectionEngine;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ResultWriter;

/**
 * The default engine. Without chunking it decodes the video frame by frame on the calling thread and
 * runs the model on {@code parallelism} inference threads (an inference pool; default one per core,
 * at most 4), writing results in frame order. With a chunk size, a checkpoint directory or
 * keyframes-only, it indexes the
 * video, decodes keyframe-aligned segments in parallel, spills each segment's results to disk and
 * glues them back in frame order (a segmented run). Both give the same output for the same input.
 * Memory does not depend on the video's length.
 *
 * <h2>Thread safety</h2>
 * Stateless and thread-safe; {@link #run} returns when the job is done.
 *
 * @since 0.1
 */
public final class DefaultDetectionEngine implements DetectionEngine {

  /** Creates the engine. */
  public DefaultDetectionEngine() {}

  @Override
  public String name() {
    return "default";
  }

  @Override
  public DetectionSummary run(JobConfig config, ResultWriter writer) {
    return LocalRun.run(config, writer);
  }
}
