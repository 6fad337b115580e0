package io.framewise.core.task;

import io.framewise.DataSize;
import io.framewise.ModelException;
import io.framewise.RefusedInputException;
import io.framewise.VideoInfo;
import io.framewise.core.pipeline.ErrorLog;
import io.framewise.core.pipeline.FrameProcessor;
import io.framewise.core.pipeline.InferencePool;
import io.framewise.core.plan.Budget;
import io.framewise.core.plan.IndexCache;
import io.framewise.core.run.LocalRun;
import io.framewise.core.store.ResultStore;
import io.framewise.core.store.SegmentResult;
import io.framewise.core.store.SpillFile;
import io.framewise.spi.JobConfig;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoDecoderProvider;
import io.framewise.spi.VideoFrame;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes {@link SegmentTask}s with the resources of the instance it runs on and commits each
 * result into a {@link ResultStore}: the one code path for a segment, whether a local run's thread
 * pool or a remote worker runs it. It keeps no state between tasks beyond the instance's resources.
 *
 * <p>A remote worker holds only the task's bytes and its own configuration ({@link Environment}):
 * {@link #prepare} rebuilds the job's configuration from the task with the worker's providers,
 * checks that the worker may open the input ({@link InputCheck}), recomputes the job fingerprint from
 * the files the worker sees and refuses the task when it differs (a model whose content differs:
 * {@code FW-821}; another input or another decoder, adapter or Framewise version: {@code FW-822}),
 * and gets the video index (cached per input); {@link #run(SegmentTask)} then skips a task whose
 * result is already stored and sound, else runs it. A local run, which derived its tasks from its
 * own configuration, builds the {@link Job} directly and calls {@link #run(SegmentTask, Job, Listener)}.
 *
 * <pre>{@code
 * SegmentRunner runner = new SegmentRunner(new SegmentRunner.Environment(decoders, adapters,
 *     InputCheck.localFilesUnder(Path.of("/data")), null, 1, SegmentRunner.Models.opening(1)), store);
 * SegmentResult r = runner.run(SegmentTask.decode(bytes));
 * }</pre>
 */
public final class SegmentRunner {

  private static final Logger LOG = LoggerFactory.getLogger(SegmentRunner.class);

  private final Environment env;
  private final ResultStore store;

  /**
   * Lends model adapters to tasks: a local run lends the ones it opened for its workers; a worker opens
   * one per task (the adapter provider shares the loaded session between them).
   */
  public interface Models {
    /**
     * Lends an adapter for the job's model.
     *
     * @param config the job (its model, options and adapter provider)
     * @return an adapter, to be given back
     */
    ModelAdapter borrow(JobConfig config);

    /**
     * Gives an adapter back.
     *
     * @param adapter what {@link #borrow} lent
     */
    void giveBack(ModelAdapter adapter);

    /**
     * Opens an adapter per task, for {@code slots} tasks at once (sharing one session), and closes it
     * after the task.
     *
     * @param slots tasks this instance runs at once
     * @return the lender
     */
    static Models opening(int slots) {
      return new Models() {
        @Override
        public ModelAdapter borrow(JobConfig config) {
          return LocalRun.openModel(config, slots);
        }

        @Override
        public void giveBack(ModelAdapter adapter) {
          LocalRun.closeAll(List.of(adapter), null);
        }
      };
    }
  }

  /**
   * What this instance brings to a task.
   *
   * @param decoder the decoder provider (its name and version are part of the job fingerprint)
   * @param modelAdapter the model adapter provider (likewise)
   * @param inputs which inputs this instance may open
   * @param maxHeap this instance's memory budget, or null to derive it from the JVM's maximum heap
   * @param slots tasks this instance runs at once (decoding threads are shared between them)
   * @param models lends model adapters
   */
  public record Environment(VideoDecoderProvider decoder, ModelAdapterProvider modelAdapter, InputCheck inputs, @Nullable DataSize maxHeap,
      int slots, Models models) {
    /** Validates the fields. */
    public Environment {
      Objects.requireNonNull(decoder, "decoder");
      Objects.requireNonNull(modelAdapter, "modelAdapter");
      Objects.requireNonNull(inputs, "inputs");
      Objects.requireNonNull(models, "models");
      if (slots < 1) {
        throw new IllegalArgumentException("slots must be >= 1");
      }
    }
  }

  /**
   * A task's job as this instance runs it: the configuration (providers, model, options) and the video index.
   *
   * @param config the job's configuration
   * @param index the input's index (segments, stream information)
   */
  public record Job(JobConfig config, VideoIndex index) {
    /** Validates the fields. */
    public Job {
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(index, "index");
    }
  }

  /** Hears of a task's progress and may stop it. */
  public interface Listener {
    /** Does not listen, never stops. */
    Listener NONE = new Listener() {};

    /**
     * A frame was accounted for (decoded or failed).
     *
     * @param seen frames of this task accounted for so far
     */
    default void frame(long seen) {}

    /**
     * Whether the task should stop (checked between frames by the caller's interrupt, and before work).
     *
     * @return true to stop
     */
    default boolean cancelled() {
      return false;
    }
  }

  /**
   * Creates a runner.
   *
   * @param env this instance's resources
   * @param store where results go
   */
  public SegmentRunner(Environment env, ResultStore store) {
    this.env = Objects.requireNonNull(env, "env");
    this.store = Objects.requireNonNull(store, "store");
  }

  /**
   * Returns where results go.
   *
   * @return the store
   */
  public ResultStore store() {
    return store;
  }

  /**
   * Rebuilds a task's job on this instance and checks it is the task's job.
   *
   * @param task the task
   * @return the job: configuration and index
   * @throws RefusedInputException FW-823 when this instance may not open the input; FW-822 when the input,
   *     its index or a provider differs from the task's job
   * @throws ModelException FW-821 when the model's content (or labels) differs from the task's
   * @throws IOException if the input or the model cannot be read
   */
  public Job prepare(SegmentTask task) throws IOException {
    env.inputs().check(task.input());
    if (task.remoteInput()) {
      throw new RefusedInputException("FW-823", null, "segment task refused: " + task.describe()
          + " reads remote input, which segment decoding does not support yet", null);
    }
    Path video = Path.of(task.input());
    PipelineOptions o = new PipelineOptions(task.chunkBytes(), task.chunkDuration(), env.maxHeap(), env.slots(), task.batch(),
        task.frameStride(), task.keyframesOnly(), null);
    JobConfig config = new JobConfig(video, task.model(), task.params(), env.decoder(), env.modelAdapter(), null, o);
    JobFingerprint here = JobFingerprint.of(config);
    if (!here.equals(task.job())) {
      String why = here.differenceFrom(task.job());
      String first = why == null ? "" : why.substring(0, Math.max(0, why.indexOf(':')));
      if (first.startsWith("model.")) {
        throw new ModelException("FW-821", task.model().path(), "segment task refused: " + task.describe()
            + " was planned for another model content than this worker's (" + why + ")", null);
      }
      throw new RefusedInputException("FW-822", video, "segment task refused: " + task.describe()
          + " does not match the job as this worker sees it (" + why + ")", null);
    }
    VideoIndex index = IndexCache.get(env.decoder(), video, o);
    if (index.segments().size() != task.segmentCount()
        || task.kind() == SegmentTask.Kind.SEGMENT && !index.segments().get(task.segment()).equals(task.range())) {
      throw new RefusedInputException("FW-822", video, "segment task refused: " + task.describe()
          + " does not match this worker's index of the input (" + index.segments().size() + " segments)", null);
    }
    return new Job(config, index);
  }

  /**
   * Runs a task received from elsewhere: {@linkplain #prepare prepares} it, returns the stored result
   * when a sound one is already there, else runs it and puts the result.
   *
   * @param task the task
   * @return the stored result
   * @throws io.framewise.VideoDetectorException refusals ({@link #prepare}), a differing duplicate
   *     (FW-824), or a failure of the segment (a failed attempt)
   * @throws IOException if the input, the model or the store cannot be read or written
   */
  public SegmentResult run(SegmentTask task) throws IOException {
    Job job = prepare(task);
    try {
      SegmentResult there = store.check(task.key());
      if (there != null) {
        LOG.debug("{}: already stored", task.describe());
        return there;
      }
    } catch (SpillFile.DamagedException e) {
      LOG.warn("{}: the stored result is damaged ({}); computing it again", task.describe(), e.getMessage());
      store.delete(task.key());
    }
    return run(task, job, Listener.NONE);
  }

  /**
   * Runs a task of a job this instance already holds and puts its result in the store (put if absent).
   *
   * @param task the task
   * @param job its job on this instance
   * @param listener hears of progress
   * @return the stored result; {@link SegmentResult#clean()} says whether it met damage
   * @throws IOException if the input cannot be decoded or the store cannot be written
   */
  public SegmentResult run(SegmentTask task, Job job, Listener listener) throws IOException {
    return task.kind() == SegmentTask.Kind.SEGMENT ? runSegment(task, job, listener) : runTail(task, job, listener);
  }

  private SegmentResult runSegment(SegmentTask task, Job job, Listener listener) throws IOException {
    long t0 = System.nanoTime();
    JobConfig config = job.config();
    PipelineOptions options = config.options();
    VideoIndex.Segment segment = Objects.requireNonNull(task.range());
    int workers = env.slots();
    ModelAdapter model = env.models().borrow(config);
    try (ResultStore.Upload upload = store.create(task.key());
        VideoDecoder decoder = openSegment(job, segment)) {
      LocalRun.scaleFramesForModel(decoder, model, job.index().info());
      // Cores that the workers' inference leaves free are shared by their decoders (at least one thread each).
      decoder.decodingThreads(Budget.decodingThreads(workers * Math.max(0, model.cpuThreads()), workers));
      ErrorLog errors = new ErrorLog();
      FrameProcessor processor = new FrameProcessor(model, config, task.batch(), upload::frame);
      FrameProcessor.Drained drained = processor.drain(decoder, errors, segment.firstFrameId(), listener::frame);
      long decoded = drained.decoded();
      long failed = drained.failed();
      long expected = options.keyframesOnly() ? segment.gopFrames().length : segment.frameCount();
      if (decoded + failed != expected) {
        errors.add("FW-107", "segment " + segment.index() + " (frames " + segment.firstFrameId() + ".." + segment.lastFrameId()
            + ") decoded " + decoded + " frame(s) and lost " + failed + ", but the index promised " + expected, segment.firstFrameId(), null);
        if (decoded + failed < expected) {
          failed = expected - decoded;
        }
      }
      SegmentResult r = upload.commit(new SpillFile.Trailer(decoded + failed, processor.processed(), failed, processor.detections(),
          errors.snapshot()));
      LOG.debug("segment {}: frames {}..{}, {} decoded, {} processed, {} detections in {} ms", segment.index(),
          segment.firstFrameId(), segment.lastFrameId(), decoded, processor.processed(), processor.detections(),
          (System.nanoTime() - t0) / 1_000_000);
      return r;
    } finally {
      env.models().giveBack(model);
    }
  }

  /** The one place a segment's decoder is opened. */
  private VideoDecoder openSegment(Job job, VideoIndex.Segment segment) throws IOException {
    JobConfig config = job.config();
    return config.decoder().openSegment(config.video(), job.index(), segment, config.options().keyframesOnly());
  }

  /**
   * Decodes the stream whole, as the unchunked run does (the same decoder, decoding threads, inference
   * plan and frame ids), keeping the frames from the task's first frame on: those before it came from
   * undamaged segments.
   */
  private SegmentResult runTail(SegmentTask task, Job job, Listener listener) throws IOException {
    JobConfig config = job.config();
    VideoInfo info = job.index().info();
    long fromId = task.firstFrameId();
    ModelAdapter model = env.models().borrow(config);
    InferencePool inference = null;
    try (ResultStore.Upload upload = store.create(task.key());
        VideoDecoder whole = config.decoder().open(config.video())) {
      // The unchunked run's plan (inference threads, batch), from the model's measured cost:
      // ONNX Runtime's scores can differ in the last digits with another batch size.
      Budget stream = Budget.plan(config.video(), info, model.info(), Budget.ModelCost.of(model, config), config.options(),
          model.maxBatchSize(), false, Budget.streamWorkers(config.options()), Integer.MAX_VALUE);
      if (stream.parallelism() > 1) {
        List<ModelAdapter> threads = LocalRun.openAdapters(config, stream.parallelism());
        try {
          inference = new InferencePool(threads, config.params(), Budget.inFlightBatches(info, stream.batch(), threads.size()));
        } catch (RuntimeException | Error e) {
          LocalRun.closeAll(threads, e);
          throw e;
        }
      }
      // Decoding threads depend on the stream alone: a damaged stream decodes differently with another count.
      whole.decodingThreads(Budget.wholeDecodingThreads(info));
      LocalRun.scaleFramesForModel(whole, model, info);
      ErrorLog errors = new ErrorLog();
      FrameProcessor processor = new FrameProcessor(model, config, stream.batch(), upload::frame, inference);
      FrameProcessor.Drained drained = processor.drain(new From(whole, fromId), errors, fromId, listener::frame);
      return upload.commit(new SpillFile.Trailer(drained.decoded() + drained.failed(), processor.processed(), drained.failed(),
          processor.detections(), errors.snapshot()));
    } finally {
      if (inference != null) {
        inference.close(); // closes its adapters
      }
      env.models().giveBack(model);
    }
  }

  /**
   * A decoder that passes over the frames before {@code fromId} without returning them. Failures are
   * passed on wherever they are: the segments before {@code fromId} were clean, so a failure there
   * would be one the unchunked run reports too.
   */
  private static final class From implements VideoDecoder {
    private final VideoDecoder d;
    private final long fromId;

    From(VideoDecoder d, long fromId) {
      this.d = d;
      this.fromId = fromId;
    }

    @Override
    public VideoInfo info() {
      return d.info();
    }

    @Override
    public @Nullable VideoFrame next() throws IOException {
      while (true) {
        VideoFrame f = d.next(); // failures are reported wherever they are
        if (f == null || f.index() < 0 || f.index() >= fromId) {
          return f;
        }
      }
    }

    @Override
    public void close() {
      d.close();
    }
  }
}
