package io.framewise.core;

import io.framewise.CorruptMediaException;
import io.framewise.Detection;
import io.framewise.DetectionSummary;
import io.framewise.DetectorIOException;
import io.framewise.FrameDetections;
import io.framewise.ModelException;
import io.framewise.ModelInfo;
import io.framewise.VideoDetectorException;
import io.framewise.VideoInfo;
import io.framewise.spi.DetectionEngine;
import io.framewise.spi.FrameDecodeException;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoFrame;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default engine: decodes the video frame by frame, runs the model on each frame and hands the
 * results to the writer in frame order. Memory does not depend on the video's length: one frame is in
 * flight at a time and errors are kept up to a fixed count.
 *
 * <h2>Thread safety</h2>
 * Stateless and thread-safe; {@link #run} works on the calling thread.
 *
 * @since 0.1
 */
public final class DefaultDetectionEngine implements DetectionEngine {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultDetectionEngine.class);

  /** Creates the engine. */
  public DefaultDetectionEngine() {}

  @Override
  public String name() {
    return "default";
  }

  @Override
  public DetectionSummary run(JobConfig config, ResultWriter writer) {
    Path video = config.video();
    long started = System.nanoTime();
    boolean failed = true;
    try (ResultWriterCloser ignored = new ResultWriterCloser(writer);
        VideoDecoder decoder = openDecoder(config);
        ModelAdapter model = openModel(config)) {
      VideoInfo info = decoder.info();
      ModelInfo modelInfo = model.info();
      LOG.debug("{}: {}x{} {} at {} fps; model {} ({}, input {}x{})", video, info.width(), info.height(), info.codec(),
          info.frameRate(), modelInfo.name(), modelInfo.format().id(), modelInfo.inputWidth(), modelInfo.inputHeight());
      writer.begin(info, modelInfo);

      ErrorLog errors = new ErrorLog();
      ProgressTracker tracker = new ProgressTracker(config.progress(), expectedFrames(info), System.nanoTime());
      long decoded = 0;
      long failedFrames = 0;
      long detections = 0;
      while (true) {
        VideoFrame frame;
        try {
          frame = decoder.next();
        } catch (FrameDecodeException e) {
          failedFrames += e.framesLost();
          Double pts = e.ptsMicros() == Long.MIN_VALUE ? null : e.ptsMicros() / 1000.0;
          errors.add(e.code(), e.getMessage(), null, pts);
          LOG.debug("{}: {}", video, e.getMessage());
          continue;
        }
        if (frame == null) {
          break;
        }
        long frameId = decoded++;
        List<Detection> found;
        try {
          found = model.detect(frame, config.params());
        } catch (IOException e) {
          throw new ModelException("FW-204", config.model().path(),
              "inference failed on frame " + frameId + " of " + video + ": " + e.getMessage(), e);
        }
        detections += found.size();
        writer.frame(new FrameDetections(frameId, frame.ptsMs(), found));
        tracker.frameDone(decoded);
      }
      tracker.finished(decoded);
      if (decoded == 0) {
        throw new CorruptMediaException("FW-105", video,
            failedFrames > 0 || !errors.isEmpty() ? "no frame could be decoded (" + failedFrames + " failed)" : "the video stream has no frames", null);
      }
      if (info.declaredFrames() > decoded + failedFrames) {
        long missing = info.declaredFrames() - decoded - failedFrames;
        failedFrames += missing;
        errors.add("FW-106", "the stream ended after " + decoded + " decoded frame(s) but the container declares "
            + info.declaredFrames() + ": the file is probably truncated", null, null);
      }
      DetectionSummary summary = new DetectionSummary(
          decoded + failedFrames, decoded, failedFrames, detections, failedFrames == 0 && errors.isEmpty(), errors.snapshot());
      writer.end(summary);
      failed = false;
      double seconds = (System.nanoTime() - started) / 1e9;
      LOG.info("{}: {} frames, {} detections in {} s ({} fps){}", video.getFileName(), decoded, detections,
          String.format("%.1f", seconds), String.format("%.1f", decoded / Math.max(seconds, 1e-9)),
          summary.complete() ? "" : ", INCOMPLETE: " + failedFrames + " frame(s) failed");
      return summary;
    } catch (IOException e) {
      throw new DetectorIOException(null, "cannot write results for " + video, e);
    } finally {
      if (failed) {
        LOG.debug("{}: job failed; output left unterminated", video);
      }
    }
  }

  private static long expectedFrames(VideoInfo info) {
    if (info.declaredFrames() > 0) {
      return info.declaredFrames();
    }
    return info.durationMs() > 0 && info.frameRate() > 0 ? Math.round(info.durationMs() * info.frameRate() / 1000) : 0;
  }

  private static VideoDecoder openDecoder(JobConfig config) throws IOException {
    try {
      return config.decoder().open(config.video());
    } catch (VideoDetectorException e) {
      throw e;
    } catch (IOException e) {
      throw new CorruptMediaException("FW-102", config.video(), "decoder " + config.decoder().name() + " cannot open it: " + e.getMessage(), e);
    }
  }

  private static ModelAdapter openModel(JobConfig config) {
    try {
      return config.modelAdapter().open(config.model());
    } catch (VideoDetectorException e) {
      throw e;
    } catch (IOException e) {
      throw new ModelException("FW-201", config.model().path(),
          "model adapter " + config.modelAdapter().name() + " cannot load it: " + e.getMessage(), e);
    }
  }

  /** Closes the writer last (after the decoder and model), in the same try-with-resources. */
  private static final class ResultWriterCloser implements AutoCloseable {
    private final ResultWriter writer;

    ResultWriterCloser(ResultWriter writer) {
      this.writer = writer;
    }

    @Override
    public void close() throws IOException {
      writer.close();
    }
  }
}
