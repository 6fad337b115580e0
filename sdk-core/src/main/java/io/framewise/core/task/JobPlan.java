package io.framewise.core.task;

import io.framewise.ModelInfo;
import io.framewise.ModelSpec;
import io.framewise.spi.JobConfig;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.VideoIndex;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A planned job ({@link JobPlanner#plan}): its identity, its input's index, its model, the plan of its
 * segments (batch, workers, window) and its tasks, made on demand from the index (nothing is held per
 * task).
 */
public final class JobPlan {

  private final JobConfig config;
  private final VideoIndex index;
  private final JobFingerprint fingerprint;
  private final ModelInfo modelInfo;
  private final int batch;
  private final int parallelism;
  private final int window;
  private final int planned;
  private final String input;
  private final ModelSpec model;
  private final String modelSha256;

  JobPlan(JobConfig config, VideoIndex index, JobFingerprint fingerprint, ModelInfo modelInfo, int batch, int parallelism, int window,
      int planned) {
    this.config = config;
    this.index = index;
    this.fingerprint = fingerprint;
    this.modelInfo = modelInfo;
    this.batch = batch;
    this.parallelism = parallelism;
    this.window = window;
    this.planned = planned;
    this.input = config.video().toAbsolutePath().normalize().toString();
    ModelSpec m = config.model();
    this.model = new ModelSpec(m.path().toAbsolutePath().normalize(), m.format(), m.labels(),
        m.labelsFile() == null ? null : m.labelsFile().toAbsolutePath().normalize(), m.inputWidth(), m.inputHeight(), m.name(), m.resize());
    this.modelSha256 = Objects.requireNonNull(fingerprint.fields().get("model.sha256"), "model.sha256");
  }

  /** @return the job's configuration, as given */
  public JobConfig config() {
    return config;
  }

  /** @return the input's index: stream information and segments */
  public VideoIndex index() {
    return index;
  }

  /** @return the job's identity */
  public JobFingerprint fingerprint() {
    return fingerprint;
  }

  /** @return the model as the probe loaded it (for the document's header) */
  public ModelInfo modelInfo() {
    return modelInfo;
  }

  /** @return frames per inference call in a segment (the same on every instance: scores depend on it) */
  public int batch() {
    return batch;
  }

  /** @return segments the local budget lets run at once */
  public int parallelism() {
    return parallelism;
  }

  /** @return segments in flight at most (running or waiting to be merged) */
  public int window() {
    return window;
  }

  /** @return workers the model's session was opened for (the probe's) */
  public int planned() {
    return planned;
  }

  /** @return how many segments the job has */
  public int segmentCount() {
    return index.segments().size();
  }

  /**
   * The task of one segment.
   *
   * @param segment its number, {@code 0..segmentCount()-1}
   * @return the task
   */
  public SegmentTask task(int segment) {
    VideoIndex.Segment s = index.segments().get(segment);
    return new SegmentTask(SegmentTask.Kind.SEGMENT, fingerprint, input, model, modelSha256, config.params(), config.options().frameStride(),
        config.options().keyframesOnly(), config.options().chunkBytes(), config.options().chunkDuration(), batch, segment, segmentCount(),
        s.firstFrameId(), s);
  }

  /**
   * The task that decodes the stream whole, keeping the frames from {@code fromFrameId} on: what the job
   * runs instead of the remaining segments once one met damage ({@link io.framewise.core.merge.SegmentMerger#tailFrom()}).
   *
   * @param fromFrameId the first frame id to keep (the first frame of the first damaged segment)
   * @return the task, with segment number {@link #segmentCount()}
   */
  public SegmentTask tail(long fromFrameId) {
    return new SegmentTask(SegmentTask.Kind.TAIL, fingerprint, input, model, modelSha256, config.params(), config.options().frameStride(),
        config.options().keyframesOnly(), config.options().chunkBytes(), config.options().chunkDuration(), 0, segmentCount(), segmentCount(),
        fromFrameId, null);
  }

  /**
   * The job's segment tasks in order, made as they are iterated.
   *
   * @return the tasks
   */
  public Iterable<SegmentTask> tasks() {
    return () -> new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < segmentCount();
      }

      @Override
      public SegmentTask next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return task(next++);
      }
    };
  }

  /** @return the input's path, for messages */
  public Path video() {
    return config.video();
  }
}
