package io.framewise.core.pipeline;

import io.framewise.Detection;
import io.framewise.FrameDetections;
import io.framewise.ModelException;
import io.framewise.core.run.LocalRun;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.FrameDecodeException;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the model on the frames that the frame stride selects, in batches, and hands each processed
 * frame's detections to a sink in frame order. Without an {@link InferencePool} the model runs on the
 * calling thread: with a batch of 1 frames are used in place, larger batches copy the (borrowed)
 * pixels. With a pool, every selected frame is copied, batches run on the pool's threads while
 * decoding goes on, and results are handed to the sink in submission order, at most
 * {@link InferencePool#capacity()} batches behind. Copies go into recycled buffers; the budget
 * accounts for them.
 */
public final class FrameProcessor {

  private static final Logger LOG = LoggerFactory.getLogger(FrameProcessor.class);

  private final ModelAdapter model;
  private final JobConfig config;
  private final DetectionParams params;
  private final int stride;
  private final int batch;
  private final FrameSink sink;
  private final List<VideoFrame> pending;
  /** Frame ids of {@code pending}, in the same order. */
  private final long[] pendingIds;
  private final @Nullable InferencePool pool;
  private final ArrayDeque<InferencePool.Task> inFlight = new ArrayDeque<>();
  private final ArrayDeque<ByteBuffer> freeBuffers = new ArrayDeque<>();
  private long processed;
  private long detections;

  public FrameProcessor(ModelAdapter model, JobConfig config, int batch, FrameSink sink) {
    this(model, config, batch, sink, null);
  }

  /**
   * @param model the adapter used on the calling thread when there is no pool (and for its batch limit)
   * @param config the job: detection parameters, frame stride, and what a failure names
   * @param pool runs batches on other threads, or null
   */
  public FrameProcessor(ModelAdapter model, JobConfig config, int batch, FrameSink sink, @Nullable InferencePool pool) {
    this.pool = pool;
    this.model = model;
    this.config = config;
    this.params = config.params();
    this.stride = config.options().frameStride();
    this.batch = Math.max(1, Math.min(batch, model.maxBatchSize()));
    this.sink = sink;
    this.pending = new ArrayList<>(this.batch);
    this.pendingIds = new long[this.batch];
  }

  /** What {@link #drain} saw. */
  public record Drained(long decoded, long failed) {}

  /**
   * Decodes every frame {@code decoder} delivers and processes it: failures are counted and recorded
   * (decoding goes on), frames without a decoder-assigned id are numbered from {@code firstId}, and
   * {@code onDecoded} hears of each decoded frame, with the frames accounted for so far (decoded and
   * failed). The one loop both the sequential and the segmented
   * runs use, so they cannot drift apart. A model failure is a {@link ModelException} (FW-204) naming
   * the frame; an {@code IOException} comes from the sink.
   */
  public Drained drain(VideoDecoder decoder, ErrorLog errors, long firstId, LongConsumer onDecoded) throws IOException {
    long decoded = 0;
    long failed = 0;
    while (true) {
      Cancellation.check(config.video()); // between frames: an interrupt stops the job within one model call
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
      long id = frame.index() >= 0 ? frame.index() : firstId + decoded + failed;
      decoded++;
      accept(frame, id);
      onDecoded.accept(decoded + failed);
    }
    flush();
    return new Drained(decoded, failed);
  }

  /** Offers a decoded frame with its global id; frames the stride skips are only counted by the caller. */
  void accept(VideoFrame frame, long frameId) throws IOException {
    if (frameId % stride != 0) {
      return;
    }
    if (pool == null && batch == 1) {
      List<Detection> found;
      try {
        found = model.detect(frame, params); // used in place: nothing else holds it
      } catch (IOException e) {
        throw LocalRun.inferenceFailed(config, frameId, e);
      }
      emit(frameId, frame.ptsMs(), found);
      return;
    }
    pendingIds[pending.size()] = frameId;
    pending.add(copyOf(frame));
    if (pending.size() == batch) {
      if (pool != null) {
        submitPending();
      } else {
        flush();
      }
    }
  }

  /** Runs the model on frames still waiting for a full batch (and, with a pool, waits for every batch in flight). */
  void flush() throws IOException {
    if (pool != null) {
      submitPending();
      while (!inFlight.isEmpty()) {
        emitHead();
      }
      return;
    }
    if (pending.isEmpty()) {
      return;
    }
    List<List<Detection>> results;
    try {
      results = model.detectBatch(pending, params);
    } catch (IOException e) {
      throw LocalRun.inferenceFailed(config, pendingIds[0], e);
    }
    emitAll(pendingIds, pending, results);
    pending.clear();
  }

  /** Hands the waiting frames to the pool, then writes what is done (waiting when too much is in flight). */
  private void submitPending() throws IOException {
    if (pending.isEmpty()) {
      return;
    }
    InferencePool.Task task = new InferencePool.Task(List.copyOf(pending), Arrays.copyOf(pendingIds, pending.size()));
    pending.clear();
    pool.submit(task);
    inFlight.add(task);
    while (!inFlight.isEmpty() && (inFlight.peek().result.isDone() || inFlight.size() > pool.capacity())) {
      emitHead();
    }
  }

  /** Waits for the oldest batch in flight and writes its frames. */
  private void emitHead() throws IOException {
    InferencePool.Task task = inFlight.peek();
    List<List<Detection>> results;
    try {
      results = task.result.get();
    } catch (InterruptedException e) {
      throw Cancellation.cancelled(config.video(), e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw LocalRun.inferenceFailed(config, task.ids[0], io);
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
    inFlight.poll();
    emitAll(task.ids, task.frames, results);
  }

  /** Writes a batch's results in order and takes its frame copies back for reuse. */
  private void emitAll(long[] ids, List<VideoFrame> frames, List<List<Detection>> results) throws IOException {
    for (int i = 0; i < frames.size(); i++) {
      VideoFrame f = frames.get(i);
      emit(ids[i], f.ptsMs(), results.get(i));
      freeBuffers.push(f.bgr());
    }
  }

  /** A packed copy of a borrowed frame, in a recycled buffer where one is free. */
  private VideoFrame copyOf(VideoFrame frame) {
    int row = 3 * frame.width();
    int size = row * frame.height();
    ByteBuffer into = freeBuffers.poll();
    if (into == null || into.capacity() != size) {
      into = ByteBuffer.allocate(size);
    }
    ByteBuffer src = frame.bgr();
    if (frame.stride() == row) {
      into.put(0, src, 0, size); // packed rows (FFmpeg's decoder): one copy
    } else {
      for (int y = 0; y < frame.height(); y++) {
        into.put(y * row, src, y * frame.stride(), row);
      }
    }
    return new VideoFrame(frame.width(), frame.height(), row, into, frame.ptsMicros(), frame.index(), frame.sourceWidth(),
        frame.sourceHeight());
  }

  private void emit(long frameId, double ptsMs, List<Detection> found) throws IOException {
    processed++;
    detections += found.size();
    sink.accept(new FrameDetections(frameId, ptsMs, found));
  }

  public long processed() {
    return processed;
  }

  public long detections() {
    return detections;
  }
}
