package io.framewise.core.pipeline;

import io.framewise.Detection;
import io.framewise.core.run.LocalRun;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.VideoFrame;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the model on several threads for one decoded stream: each thread owns one adapter (they share
 * the loaded model) and takes batches from a bounded queue. The decoding thread submits batches and
 * collects their results in submission order ({@link FrameProcessor}), so the output does not depend
 * on which thread ran which batch. Used by the sequential (unchunked) run, where one decoder feeds
 * the model faster than one inference thread consumes.
 *
 * <h2>Thread safety</h2>
 * {@link #submit} and {@link #close} are called by the one decoding thread.
 */
public final class InferencePool implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(InferencePool.class);

  /** A batch of owned frame copies and, once run, its detections (one list per frame). */
  static final class Task {
    final List<VideoFrame> frames;
    final long[] ids;
    final CompletableFuture<List<List<Detection>>> result = new CompletableFuture<>();

    Task(List<VideoFrame> frames, long[] ids) {
      this.frames = frames;
      this.ids = ids;
    }
  }

  private final List<ModelAdapter> adapters;
  private final int capacity;
  private final BlockingQueue<Task> queue;
  private final WorkerThreads threads = new WorkerThreads("framewise-inference-");
  private volatile boolean closed;

  /**
   * Starts one thread per adapter; the pool owns the adapters and closes them.
   *
   * @param adapters one per thread, already open
   * @param params detection parameters
   * @param capacity how many batches may wait or run at once ({@link Budget#inFlightBatches}), at least one per thread
   */
  public InferencePool(List<ModelAdapter> adapters, DetectionParams params, int capacity) {
    this.adapters = List.copyOf(adapters);
    this.capacity = Math.max(capacity, adapters.size());
    this.queue = new ArrayBlockingQueue<>(adapters.size());
    for (ModelAdapter adapter : this.adapters) {
      threads.newThread(() -> work(adapter, params)).start();
    }
  }

  /** CPU threads the pool keeps busy while it runs ({@link ModelAdapter#cpuThreads()} summed). */
  int cpuThreads() {
    return adapters.stream().mapToInt(a -> Math.max(0, a.cpuThreads())).sum();
  }

  /** How many batches may wait in the queue or run at once. */
  int capacity() {
    return capacity;
  }

  /** Queues a batch, waiting while the queue is full. */
  void submit(Task task) throws IOException {
    try {
      queue.put(task);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while queueing frames for inference");
    }
  }

  private void work(ModelAdapter adapter, DetectionParams params) {
    try {
      while (!closed) {
        Task task = queue.take();
        try {
          task.result.complete(adapter.detectBatch(task.frames, params));
        } catch (IOException | RuntimeException | Error e) {
          task.result.completeExceptionally(e);
        }
      }
    } catch (InterruptedException e) {
      // closing
    }
  }

  /** Stops the threads (a queued batch that has not started is dropped), waits for them, closes the adapters. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Task dropped;
    while ((dropped = queue.poll()) != null) {
      dropped.result.cancel(false);
    }
    threads.interruptAll();
    if (!threads.joinAll(60, TimeUnit.SECONDS)) {
      LOG.warn("inference threads still running 60 s after the job ended");
      return; // an adapter still in use is not closed under its thread
    }
    LocalRun.closeAll(adapters, null);
  }
}
