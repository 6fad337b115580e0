package io.framewise;

import io.framewise.spi.DetectionEngine;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.ResultWriterProvider;
import io.framewise.spi.VideoDecoderProvider;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One detection run over one video, configured fluently and ended by a terminal method
 * ({@link #writeJson(OutputStream)}, {@link #writeJson(Path)} or {@link #run(FrameListener)}).
 *
 * <h2>Thread safety</h2>
 * Not thread-safe, and single-use: a second terminal call throws {@link IllegalStateException}.
 *
 * <h2>Lifecycle</h2>
 * The job opens and closes its own decoder and model. It never closes a caller's output stream.
 *
 * @since 0.1
 */
public final class DetectionJob {

  private final VideoDetector owner;
  private final Path video;
  private @Nullable ModelSpec model;
  private @Nullable Double confidence;
  private @Nullable Double iou;
  private @Nullable VideoDecoderProvider decoder;
  private @Nullable ModelAdapterProvider modelAdapter;
  private @Nullable ResultWriterProvider resultWriter;
  private @Nullable ProgressListener progress;
  private long chunkBytes;
  private @Nullable Duration chunkDuration;
  private @Nullable DataSize maxHeap;
  private int parallelism;
  private int batchSize;
  private int frameStride;
  private boolean keyframesOnly;
  private @Nullable Path checkpointDir;
  private boolean started;

  DetectionJob(VideoDetector owner, Path video) {
    this.owner = owner;
    this.video = video;
  }

  /**
   * Uses this model file, detecting its family, input size and labels.
   *
   * @param model the ONNX file
   * @return this job, for chaining
   * @throws IllegalStateException if a model was already set
   */
  public DetectionJob model(Path model) {
    return model(ModelSpec.of(Objects.requireNonNull(model, "model")));
  }

  /**
   * Uses this model with explicit overrides (format, labels, input size).
   *
   * @param spec the model
   * @return this job, for chaining
   * @throws IllegalStateException if a model was already set
   */
  public DetectionJob model(ModelSpec spec) {
    Objects.requireNonNull(spec, "spec");
    requireState(this.model == null, "model was already set to %s", this.model);
    this.model = spec;
    return this;
  }

  /**
   * Sets the minimum score of a reported detection (default 0.25).
   *
   * @param confidence a value in [0, 1]
   * @return this job, for chaining
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public DetectionJob confidence(double confidence) {
    requireUnit("confidence", confidence);
    requireState(this.confidence == null, "confidence was already set to %s", this.confidence);
    this.confidence = confidence;
    return this;
  }

  /**
   * Sets the overlap above which non-maximum suppression drops the weaker of two same-class boxes
   * (default 0.45).
   *
   * @param iou a value in [0, 1]
   * @return this job, for chaining
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public DetectionJob iou(double iou) {
    requireUnit("iou", iou);
    requireState(this.iou == null, "iou was already set to %s", this.iou);
    this.iou = iou;
    return this;
  }

  /**
   * Uses this decoder for this job.
   *
   * @param decoder the provider
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob decoder(VideoDecoderProvider decoder) {
    Objects.requireNonNull(decoder, "decoder");
    requireState(this.decoder == null, "decoder was already set to %s", this.decoder);
    this.decoder = decoder;
    return this;
  }

  /**
   * Uses this model adapter for this job.
   *
   * @param modelAdapter the provider
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob modelAdapter(ModelAdapterProvider modelAdapter) {
    Objects.requireNonNull(modelAdapter, "modelAdapter");
    requireState(this.modelAdapter == null, "modelAdapter was already set to %s", this.modelAdapter);
    this.modelAdapter = modelAdapter;
    return this;
  }

  /**
   * Uses this result writer for {@link #writeJson}.
   *
   * @param resultWriter the provider
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob resultWriter(ResultWriterProvider resultWriter) {
    Objects.requireNonNull(resultWriter, "resultWriter");
    requireState(this.resultWriter == null, "resultWriter was already set to %s", this.resultWriter);
    this.resultWriter = resultWriter;
    return this;
  }

  /**
   * Reports progress (frames done, total, fps, ETA) to {@code listener} while the job runs.
   *
   * @param listener the listener
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob progress(ProgressListener listener) {
    Objects.requireNonNull(listener, "listener");
    requireState(this.progress == null, "progress listener was already set");
    this.progress = listener;
    return this;
  }

  /**
   * Splits the video into keyframe-aligned segments of about this many bytes, processed in parallel,
   * retried alone when they fail, and journaled with {@link #checkpointDir}. Output is byte-identical
   * whatever the chunk size.
   *
   * @param size the target segment size (segments end at the first key frame past it)
   * @return this job, for chaining
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if a chunk size was already set
   */
  public DetectionJob chunkSize(DataSize size) {
    Objects.requireNonNull(size, "size");
    if (size.bytes() <= 0) {
      throw new IllegalArgumentException("chunkSize must be positive, was " + size);
    }
    requireState(chunkBytes == 0 && chunkDuration == null, "chunkSize was already set");
    this.chunkBytes = size.bytes();
    return this;
  }

  /**
   * Splits the video into keyframe-aligned segments of about this duration; see {@link #chunkSize(DataSize)}.
   *
   * @param duration the target segment duration (segments end at the first key frame past it)
   * @return this job, for chaining
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if a chunk size was already set
   */
  public DetectionJob chunkSize(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("chunkSize must be positive, was " + duration);
    }
    requireState(chunkBytes == 0 && chunkDuration == null, "chunkSize was already set");
    this.chunkDuration = duration;
    return this;
  }

  /**
   * Sets the memory budget of the whole pipeline (frame buffers, queues, batches, result buffers).
   * Queue depths, batch size and parallelism are derived from it; a job that cannot fit fails fast
   * with a {@link ResourceLimitException} saying what to change. Default: the JVM's maximum heap.
   *
   * @param budget the budget
   * @return this job, for chaining
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public DetectionJob maxHeap(DataSize budget) {
    Objects.requireNonNull(budget, "budget");
    if (budget.bytes() <= 0) {
      throw new IllegalArgumentException("maxHeap must be positive, was " + budget);
    }
    requireState(maxHeap == null, "maxHeap was already set to %s", maxHeap);
    this.maxHeap = budget;
    return this;
  }

  /**
   * Sets how much work runs at once. With a chunk size (or a checkpoint directory, or keyframes-only):
   * how many segments are decoded at once (default: one per available core, within the budget).
   * Without: how many inference threads one decoder feeds (default: one per core, at most 4, within the
   * budget); {@code parallelism(1)} runs decoding and inference on the calling thread alone. Every
   * setting gives the same bytes.
   *
   * @param n at least 1
   * @return this job, for chaining
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public DetectionJob parallelism(int n) {
    atLeastOne(n, "parallelism");
    requireState(parallelism == 0, "parallelism was already set to %s", parallelism);
    this.parallelism = n;
    return this;
  }

  /**
   * Sets how many frames go through the model per call. Used up to this size when the model has a
   * dynamic batch dimension; a model with a fixed batch of 1 runs one frame per call.
   *
   * @param n at least 1
   * @return this job, for chaining
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public DetectionJob batchSize(int n) {
    atLeastOne(n, "batchSize");
    requireState(batchSize == 0, "batchSize was already set to %s", batchSize);
    this.batchSize = n;
    return this;
  }

  /**
   * Processes only every {@code n}-th frame (frame ids 0, n, 2n, ...); frame ids stay true.
   *
   * @param n at least 1 (1 = every frame)
   * @return this job, for chaining
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public DetectionJob frameStride(int n) {
    atLeastOne(n, "frameStride");
    requireState(frameStride == 0, "frameStride was already set to %s", frameStride);
    this.frameStride = n;
    return this;
  }

  /**
   * Decodes and processes key frames only, for a fast coarse scan of huge files; frame ids stay true
   * (they are the key frames' positions among all frames).
   *
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob keyframesOnly() {
    requireState(!keyframesOnly, "keyframesOnly was already set");
    this.keyframesOnly = true;
    return this;
  }

  /**
   * Journals completed segments and their results in {@code dir}, so that a job killed and started
   * again with the same arguments resumes from the last completed segment and produces the same
   * output as an uninterrupted run. A changed input file invalidates the checkpoint.
   *
   * @param dir the checkpoint directory (created if missing)
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob checkpointDir(Path dir) {
    Objects.requireNonNull(dir, "dir");
    requireState(checkpointDir == null, "checkpointDir was already set to %s", checkpointDir);
    this.checkpointDir = dir;
    return this;
  }

  /**
   * Runs the job and streams the JSON document to {@code out} as frames complete. The stream is
   * flushed, not closed. When the job fails with an exception the document is left unterminated, so
   * it can never be mistaken for a finished one.
   *
   * @param out where the JSON goes
   * @return the job's summary; check {@link DetectionSummary#complete()}
   * @throws MediaException if the video cannot be read
   * @throws ModelException if the model cannot be used
   * @throws DetectorIOException if writing fails
   * @throws NoProviderException if no decoder, model adapter, writer or engine is available
   * @throws IllegalStateException if the job was already run or no model was set
   */
  public DetectionSummary writeJson(OutputStream out) {
    Objects.requireNonNull(out, "out");
    JobConfig config = start();
    ResultWriterProvider provider = resultWriterProvider();
    ResultWriter writer;
    try {
      writer = provider.open(out);
    } catch (IOException e) {
      throw new DetectorIOException(null, "cannot open result writer " + provider.name(), e);
    }
    return engine().run(config, writer);
  }

  /**
   * Runs the job and writes the JSON document to a file, atomically: the document is written to a
   * temporary file in the same directory and moved into place only when the job ends, so a failed
   * job never leaves a file that looks finished (an existing file is left untouched).
   *
   * @param file the JSON file to create or replace
   * @return the job's summary; check {@link DetectionSummary#complete()}
   * @throws MediaException if the video cannot be read
   * @throws ModelException if the model cannot be used
   * @throws DetectorIOException if writing fails
   * @throws IllegalStateException if the job was already run or no model was set
   */
  public DetectionSummary writeJson(Path file) {
    Objects.requireNonNull(file, "file");
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    deleteStaleParts(dir, target.getFileName().toString());
    Path tmp;
    try {
      // createFile (not createTempFile) so the finished file gets the usual permissions (umask), not 0600
      tmp = Files.createFile(dir.resolve("." + target.getFileName() + "." + Long.toHexString(System.nanoTime())
          + Integer.toHexString(System.identityHashCode(this)) + ".part"));
    } catch (IOException e) {
      throw new DetectorIOException(target, "cannot create a temporary file beside the output", e);
    }
    boolean moved = false;
    try {
      DetectionSummary summary;
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16)) {
        summary = writeJson(out);
        out.flush();
        channel.force(true);
      } catch (IOException e) {
        throw new DetectorIOException(target, "cannot write the output", e);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
      return summary;
    } catch (IOException e) {
      throw new DetectorIOException(target, "cannot move the finished output into place", e);
    } finally {
      if (!moved) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: the temporary name never looks like the finished output
        }
      }
    }
  }

  /**
   * Runs the job and hands each frame's detections to {@code listener}, in frame order, without
   * producing JSON.
   *
   * @param listener receives every processed frame
   * @return the job's summary; check {@link DetectionSummary#complete()}
   * @throws MediaException if the video cannot be read
   * @throws ModelException if the model cannot be used
   * @throws IllegalStateException if the job was already run or no model was set
   */
  public DetectionSummary run(FrameListener listener) {
    Objects.requireNonNull(listener, "listener");
    JobConfig config = start();
    return engine().run(config, new ListenerWriter(listener));
  }

  private static void atLeastOne(int n, String what) {
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be >= 1, was " + n);
    }
  }

  /**
   * Removes temporary files an earlier run for the same output left when its process was killed
   * (older than a minute, so a concurrent writer's file is left alone).
   */
  private static void deleteStaleParts(Path dir, String name) {
    String prefix = "." + name + ".";
    long cutoff = System.currentTimeMillis() - 60_000;
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      files.filter(p -> {
        String n = p.getFileName().toString();
        return n.startsWith(prefix) && n.endsWith(".part");
      }).forEach(p -> {
        try {
          if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
            Files.deleteIfExists(p);
          }
        } catch (IOException ignored) {
          // best effort
        }
      });
    } catch (IOException ignored) {
      // best effort: the directory is checked again when the temporary file is created
    }
  }

  private JobConfig start() {
    requireState(!started, "this job was already run; a DetectionJob is single-use");
    requireState(model != null, "no model: call model(...) before running the job");
    started = true;
    ModelSpec spec = Objects.requireNonNull(model);
    VideoDecoderProvider dec = ProviderLookup.select(
        VideoDecoderProvider.class, "decoder", decoder != null ? decoder : owner.decoder(),
        owner.classLoader(), p -> true, "videos");
    ModelAdapterProvider adapter = ProviderLookup.select(
        ModelAdapterProvider.class, "model-adapter", modelAdapter != null ? modelAdapter : owner.modelAdapter(),
        owner.classLoader(), p -> p.supports(spec), "model " + spec.path());
    DetectionParams params = new DetectionParams(
        confidence != null ? confidence : DetectionParams.DEFAULTS.confidence(),
        iou != null ? iou : DetectionParams.DEFAULTS.iou());
    PipelineOptions options = new PipelineOptions(chunkBytes, chunkDuration, maxHeap, parallelism, batchSize,
        frameStride == 0 ? 1 : frameStride, keyframesOnly, checkpointDir);
    return new JobConfig(video, spec, params, dec, adapter, progress, options);
  }

  private ResultWriterProvider resultWriterProvider() {
    return ProviderLookup.select(
        ResultWriterProvider.class, "result-writer", resultWriter != null ? resultWriter : owner.resultWriter(),
        owner.classLoader(), p -> "json".equalsIgnoreCase(p.format()), "format json");
  }

  private DetectionEngine engine() {
    return ProviderLookup.select(DetectionEngine.class, "engine", owner.engine(), owner.classLoader(), p -> true, "jobs");
  }

  private static void requireUnit(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], was " + value);
    }
  }

  private static void requireState(boolean ok, String template, @Nullable Object... args) {
    if (!ok) {
      throw new IllegalStateException(String.format(template, args));
    }
  }

  /** Adapts a {@link FrameListener} to the writer protocol. */
  private static final class ListenerWriter implements ResultWriter {
    private final FrameListener listener;

    ListenerWriter(FrameListener listener) {
      this.listener = listener;
    }

    @Override
    public void begin(VideoInfo video, ModelInfo model) {}

    @Override
    public void frame(FrameDetections frame) {
      listener.onFrame(frame);
    }

    @Override
    public void end(DetectionSummary summary) {}

    @Override
    public void close() {}
  }
}
