package io.framewise.core;

import io.framewise.Detection;
import io.framewise.FrameDetections;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.FrameDecodeException;
import io.framewise.spi.JobConfig;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.VideoFrame;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the model on the frames that the frame stride selects, in batches, and hands each processed
 * frame's detections to a sink in frame order. With a batch of 1 frames are used in place; larger
 * batches copy the (borrowed) pixels, which the budget accounts for.
 */
final class FrameProcessor {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FrameProcessor.class);

  /** Receives processed frames in order. */
  interface Sink {
    void accept(FrameDetections frame) throws IOException;
  }

  private final ModelAdapter model;
  private final DetectionParams params;
  private final int stride;
  private final int batch;
  private final Sink sink;
  private final List<VideoFrame> pending;
  private final List<Long> pendingIds;
  private long processed;
  private long detections;

  FrameProcessor(ModelAdapter model, DetectionParams params, int stride, int batch, Sink sink) {
    this.model = model;
    this.params = params;
    this.stride = stride;
    this.batch = Math.max(1, Math.min(batch, model.maxBatchSize()));
    this.sink = sink;
    this.pending = new ArrayList<>(this.batch);
    this.pendingIds = new ArrayList<>(this.batch);
  }

  /** What {@link #drain} saw. */
  record Drained(long decoded, long failed) {}

  /**
   * Decodes every frame {@code decoder} delivers and processes it: failures are counted and recorded
   * (decoding goes on), frames without a decoder-assigned id are numbered from {@code firstId}, and
   * {@code onDecoded} hears of each decoded frame. The one loop both the sequential and the segmented
   * runs use, so they cannot drift apart.
   */
  Drained drain(VideoDecoder decoder, ErrorLog errors, long firstId, JobConfig config, Runnable onDecoded) throws IOException {
    long decoded = 0;
    long failed = 0;
    long lastId = firstId;
    while (true) {
      VideoFrame frame;
      try {
        frame = decoder.next();
      } catch (FrameDecodeException e) {
        failed += e.framesLost();
        errors.add(e.code(), e.getMessage(), null, e.ptsMicros() == Long.MIN_VALUE ? null : e.ptsMicros() / 1000.0);
        LOG.debug("{}: {}", config.video(), e.getMessage());
        continue;
      }
      if (frame == null) {
        break;
      }
      lastId = frame.index() >= 0 ? frame.index() : firstId + decoded + failed;
      decoded++;
      try {
        accept(frame, lastId);
      } catch (IOException e) {
        throw DefaultDetectionEngine.inferenceFailed(config, lastId, e);
      }
      onDecoded.run();
    }
    try {
      flush();
    } catch (IOException e) {
      throw DefaultDetectionEngine.inferenceFailed(config, lastId, e);
    }
    return new Drained(decoded, failed);
  }

  /** Offers a decoded frame with its global id; frames the stride skips are only counted by the caller. */
  void accept(VideoFrame frame, long frameId) throws IOException {
    if (frameId % stride != 0) {
      return;
    }
    if (batch == 1) {
      emit(frameId, frame.ptsMs(), model.detect(frame, params));
      return;
    }
    pending.add(frame.copy());
    pendingIds.add(frameId);
    if (pending.size() == batch) {
      flush();
    }
  }

  /** Runs the model on frames still waiting for a full batch. */
  void flush() throws IOException {
    if (pending.isEmpty()) {
      return;
    }
    List<List<Detection>> results = model.detectBatch(pending, params);
    for (int i = 0; i < pending.size(); i++) {
      emit(pendingIds.get(i), pending.get(i).ptsMs(), results.get(i));
    }
    pending.clear();
    pendingIds.clear();
  }

  private void emit(long frameId, double ptsMs, List<Detection> found) throws IOException {
    processed++;
    detections += found.size();
    sink.accept(new FrameDetections(frameId, ptsMs, found));
  }

  long processed() {
    return processed;
  }

  long detections() {
    return detections;
  }
}
