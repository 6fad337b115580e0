package io.framewise.core.run;

import io.framewise.CorruptMediaException;
import io.framewise.DetectionSummary;
import io.framewise.DetectorIOException;
import io.framewise.ModelException;
import io.framewise.ModelInfo;
import io.framewise.RefusedInputException;
import io.framewise.VideoDetectorException;
import io.framewise.VideoInfo;
import io.framewise.core.merge.SegmentMerger;
import io.framewise.core.pipeline.Cancellation;
import io.framewise.core.pipeline.ErrorLog;
import io.framewise.core.pipeline.FrameProcessor;
import io.framewise.core.pipeline.InferencePool;
import io.framewise.core.pipeline.ProgressTracker;
import io.framewise.core.plan.Budget;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.RemoteVideo;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.VideoDecoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local runs behind {@link io.framewise.core.DefaultDetectionEngine}: without chunking, the stream
 * decoded frame by frame on the calling thread with the model on {@code parallelism} inference threads
 * ({@link #sequential}); with a chunk size, a checkpoint directory or keyframes-only, a
 * {@link SegmentedRun}. Both end the job through a {@link SegmentMerger}. Also the helpers they
 * share (opening the model, the summary, the log line).
 */
public final class LocalRun {

  private static final Logger LOG = LoggerFactory.getLogger(LocalRun.class);

  private LocalRun() {}

  public static DetectionSummary run(JobConfig config, ResultWriter writer) {
    PipelineOptions o = config.options();
    boolean segmented = o.chunked() || o.keyframesOnly() || o.checkpointDir() != null;
    if (segmented) {
      if (config.remote() != null) {
        throw new IllegalArgumentException("chunkSize, keyframesOnly and checkpointDir are not available for remote input ("
            + config.remote().display() + "); run it unchunked");
      }
      if (!config.decoder().supportsSegments()) {
        throw new IllegalArgumentException("decoder '" + config.decoder().name()
            + "' cannot split videos; chunkSize, keyframesOnly and checkpointDir need one that can");
      }
      if (SegmentedRun.indexFindsNoFrames(config)) {
        // The unchunked run finds that out only by decoding, after its checks of the model and the
        // memory budget: run it, so the job fails as it does (or, with a header that lies, decodes what it can).
        return sequential(config, writer);
      }
      return new SegmentedRun(config, writer).run();
    }
    return sequential(config, writer);
  }

  public static DetectionSummary sequential(JobConfig config, ResultWriter writer) {
    Path video = config.video();
    long started = System.nanoTime();
    InferencePool pool = null;
    try (ResultWriterCloser ignored = new ResultWriterCloser(writer);
        VideoDecoder decoder = openDecoder(config);
        ModelAdapter probe = openModel(config, Budget.streamWorkers(config.options()))) {
      VideoInfo info = decoder.info();
      ModelInfo modelInfo = probe.info();
      Budget budget = Budget.plan(video, info, modelInfo, Budget.ModelCost.of(probe, config), config.options(), probe.maxBatchSize(), false,
          Budget.streamWorkers(config.options()), Integer.MAX_VALUE);
      LOG.debug("{}: {}x{} {} at {} fps; model {} ({}, input {}x{}); batch {}, {} inference thread(s)", video, info.width(), info.height(),
          info.codec(), info.frameRate(), modelInfo.name(), modelInfo.format().id(), modelInfo.inputWidth(), modelInfo.inputHeight(),
          budget.batch(), budget.parallelism());
      if (budget.parallelism() > 1) {
        // The model runs on pool threads; their adapters share the probe's session (set up for that many
        // concurrent runs) unless the budget allowed fewer threads than planned.
        List<ModelAdapter> adapters = openAdapters(config, budget.parallelism());
        try {
          pool = new InferencePool(adapters, config.params(), Budget.inFlightBatches(info, budget.batch(), adapters.size()));
        } catch (RuntimeException | Error e) {
          closeAll(adapters, e);
          throw e;
        }
      }
      // Decoding threads depend on the stream alone: damaged input decodes differently with another count.
      decoder.decodingThreads(Budget.wholeDecodingThreads(info));
      scaleFramesForModel(decoder, probe, info);
      SegmentMerger merger = SegmentMerger.unchunked(video, info, writer);
      merger.begin(modelInfo);

      ProgressTracker tracker = new ProgressTracker(config.progress(), expectedFrames(info), System.nanoTime());
      FrameProcessor processor = new FrameProcessor(probe, config, budget.batch(), writer::frame, pool);
      FrameProcessor.Drained drained = processor.drain(decoder, merger.errors(), 0, tracker::frameDone);
      long decoded = drained.decoded();
      long failedFrames = drained.failed();
      tracker.finished(decoded + failedFrames);
      merger.streamed(decoded, failedFrames, processor.processed(), processor.detections());
      return merger.finish(started); // the summary, the document's end and the log line, as every run ends
    } catch (IOException e) {
      if (Cancellation.byInterrupt(e)) {
        throw Cancellation.cancelled(video, e); // e.g. queueing frames, or an interruptible output channel
      }
      throw new DetectorIOException(null, "cannot write results for " + video, e);
    } finally {
      if (pool != null) {
        pool.close();
      }
    }
  }

  /**
   * The summary of a job from what was read: {@code framesFailed} counts only frames that failed to
   * decode. Header figures (the frame count a container declares) drive a truncation check
   * ({@code FW-106}, stated as such) but never add failed frames.
   *
   * @throws CorruptMediaException (FW-105) when no frame at all decoded
   */
  public static DetectionSummary summarize(Path video, VideoInfo info, long decoded, long failed, long processed, long detections,
      ErrorLog errors) {
    if (decoded == 0) {
      String why = failed > 0 ? "no frame could be decoded (" + failed + " frame(s) failed)" : "the video stream has no frames";
      if (failed == 0 && info.declaredFrames() > 0) {
        why += " (the container declares " + info.declaredFrames() + ")";
      }
      throw new CorruptMediaException("FW-105", video, why, null);
    }
    if (info.declaredFrames() > decoded + failed) {
      errors.add("FW-106", "the stream holds " + (decoded + failed) + " frame(s) but the container declares " + info.declaredFrames()
          + ": the file is probably truncated or damaged (a check against the header; no frame is counted as failed for it)",
          null, null);
    }
    return new DetectionSummary(decoded + failed, processed, failed, detections, failed == 0 && errors.isEmpty(), errors.snapshot());
  }

  /** Opens {@code n} adapters for {@code n} concurrent workers (sharing the loaded model); closes them all if one fails. */
  public static List<ModelAdapter> openAdapters(JobConfig config, int n) {
    List<ModelAdapter> adapters = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        adapters.add(openModel(config, n));
      }
      return adapters;
    } catch (RuntimeException | Error e) {
      closeAll(adapters, e);
      throw e;
    }
  }

  /** Closes adapters, adding their failures to {@code failure} (or logging them when it is null). */
  public static void closeAll(List<ModelAdapter> adapters, @Nullable Throwable failure) {
    for (ModelAdapter a : adapters) {
      try {
        a.close();
      } catch (RuntimeException e) {
        if (failure != null) {
          failure.addSuppressed(e);
        } else {
          LOG.debug("closing model adapter", e);
        }
      }
    }
  }

  /** Lets the decoder deliver frames at the size the model resizes them to (one scaling pass in FFmpeg). */
  public static void scaleFramesForModel(VideoDecoder decoder, ModelAdapter model, VideoInfo info) {
    int[] size = model.frameSizeFor(info.width(), info.height());
    if (size != null) {
      decoder.scaleTo(size[0], size[1]);
    }
  }

  public static void logSummary(Path video, DetectionSummary summary, long startedNanos) {
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    LOG.info("{}: {} frames, {} detections in {} s ({} fps){}", video.getFileName(), summary.framesProcessed(), summary.detections(),
        String.format("%.1f", seconds), String.format("%.1f", summary.framesDecoded() / Math.max(seconds, 1e-9)),
        summary.complete() ? "" : ", INCOMPLETE: " + summary.framesFailed() + " frame(s) failed, " + summary.errors().size() + " error(s)");
  }

  public static ModelException inferenceFailed(JobConfig config, long frameId, IOException e) {
    return new ModelException("FW-204", config.model().path(),
        "inference failed on frame " + frameId + " of " + config.video() + ": " + e.getMessage(), e);
  }

  public static long expectedFrames(VideoInfo info) {
    if (info.declaredFrames() > 0) {
      return info.declaredFrames();
    }
    return info.durationMs() > 0 && info.frameRate() > 0 ? Math.round(info.durationMs() * info.frameRate() / 1000) : 0;
  }

  private static VideoDecoder openDecoder(JobConfig config) throws IOException {
    RemoteVideo remote = config.remote();
    try {
      if (remote != null) {
        return config.decoder().open(remote);
      }
      return config.decoder().open(config.video());
    } catch (VideoDetectorException e) {
      throw e;
    } catch (UnsupportedOperationException e) {
      if (remote == null) {
        throw e;
      }
      throw new RefusedInputException("FW-113", null, remote.display() + ": decoder " + config.decoder().name()
          + " cannot read remote input", e);
    } catch (IOException e) {
      if (remote != null) {
        throw new CorruptMediaException("FW-102", null, remote.display() + ": decoder " + config.decoder().name()
            + " cannot open it: " + e.getMessage(), e);
      }
      throw new CorruptMediaException("FW-102", config.video(), "decoder " + config.decoder().name() + " cannot open it: " + e.getMessage(), e);
    }
  }

  public static ModelAdapter openModel(JobConfig config, int workers) {
    // A model that alone cannot fit the budget is refused before it is loaded.
    Budget.checkModelFits(config.video(), config.model().path(), config.modelAdapter().loadingBytes(config.model()), config.options());
    try {
      return config.modelAdapter().open(config.model(), workers);
    } catch (VideoDetectorException e) {
      throw e;
    } catch (IOException e) {
      throw new ModelException("FW-201", config.model().path(),
          "model adapter " + config.modelAdapter().name() + " cannot load it: " + e.getMessage(), e);
    }
  }

  /** Closes the writer last (after the decoder and model), in the same try-with-resources. */
  public static final class ResultWriterCloser implements AutoCloseable {
    private final ResultWriter writer;

    public ResultWriterCloser(ResultWriter writer) {
      this.writer = writer;
    }

    @Override
    public void close() throws IOException {
      writer.close();
    }
  }
}
