package io.framewise.core;

import io.framewise.DataSize;
import io.framewise.ModelInfo;
import io.framewise.ResourceLimitException;
import io.framewise.VideoInfo;
import io.framewise.spi.PipelineOptions;
import java.nio.file.Path;

/**
 * Fits a job into its memory budget ({@code maxHeap}): estimates what one segment worker holds
 * (decoder reference frames and threads, the converted frame, batch copies, model input and output),
 * then derives the parallelism (and the batch) that fit, or fails fast naming what to change. Explicit
 * settings are never lowered silently: when they do not fit, the job fails.
 *
 * @param parallelism segments decoded at once (segmented runs), or inference threads (unchunked runs)
 * @param batch frames per inference call
 * @param window segments in flight (running or finished but not yet written)
 * @param budgetBytes the budget
 * @param perWorkerBytes the estimate for one worker
 */
record Budget(int parallelism, int batch, int window, long budgetBytes, long perWorkerBytes) {

  /** JVM and pipeline overhead that does not depend on the video: classes, model weights, buffers. */
  static final long FIXED_BYTES = 96L << 20;
  /** Decoded pictures an FFmpeg decoder may hold (references plus frame threads), yuv420p. */
  static final int DECODER_PICTURES = 20;
  /**
   * Bytes per frame of the sample table an open MP4/MOV container holds: FFmpeg keeps the whole table
   * (offset, size, times of every frame) in memory. The memory benchmark measured about 115 bytes per
   * frame per open container (RSS 92 MiB higher for 500k than for 100k frames with two workers); this
   * leaves room.
   */
  static final int SAMPLE_TABLE_BYTES_PER_FRAME = 192;

  /** Most inference threads for one decoded stream (an unchunked job) by default. */
  static final int MAX_STREAM_WORKERS = 4;

  /** Inference threads an unchunked job plans for: the parallelism asked for, else one per core (at most 4). */
  static int streamWorkers(PipelineOptions o) {
    if (o.parallelism() > 0) {
      return o.parallelism();
    }
    return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), MAX_STREAM_WORKERS));
  }

  /** Segment workers a chunked job plans for before its budget is known: the parallelism asked for, else one per core; at most one per segment. */
  static int segmentWorkers(PipelineOptions o, int segments) {
    int wanted = o.parallelism() > 0 ? o.parallelism() : Runtime.getRuntime().availableProcessors();
    return Math.max(1, Math.min(wanted, segments));
  }

  /**
   * Decoding threads that leave {@code busyCpuThreads} cores to inference, shared by {@code decoders}
   * decoders: 0 (the decoder's own choice) when inference uses no CPU, else at least 1 each.
   */
  static int decodingThreads(int busyCpuThreads, int decoders) {
    int cores = Runtime.getRuntime().availableProcessors();
    int free = cores - busyCpuThreads;
    return free >= cores ? 0 : Math.max(1, free / Math.max(1, decoders));
  }

  /**
   * What an unchunked job holds: one decoder, the frames being collected, and per inference thread its
   * model input and output and the frame copies in flight (two batches per thread).
   */
  static long stream(VideoInfo video, ModelInfo model, int batch, int workers) {
    long bgr = (long) video.width() * video.height() * 3;
    long copies = workers > 1 ? (2L * workers + 2) * batch * bgr : (batch > 1 ? batch * bgr : 0);
    return decoder(video) + copies + workers * modelBuffers(model, batch);
  }

  /** What one segment worker holds: its decoder, batch copies, model input and output. */
  static long perWorker(VideoInfo video, ModelInfo model, int batch) {
    long bgr = (long) video.width() * video.height() * 3;
    long copies = batch > 1 ? batch * bgr : 0;
    return decoder(video) + copies + modelBuffers(model, batch);
  }

  /** One open decoder: its pictures, the converted frame and (MP4) the container's sample table. */
  private static long decoder(VideoInfo video) {
    long pixels = (long) video.width() * video.height();
    long sampleTable = video.declaredFrames() * SAMPLE_TABLE_BYTES_PER_FRAME; // 0 where the container declares no count
    return DECODER_PICTURES * pixels * 3 / 2 + pixels * 3 + sampleTable;
  }

  /** One adapter's model input (twice: ours and ONNX Runtime's) and output, for a batch. */
  private static long modelBuffers(ModelInfo model, int batch) {
    long input = (long) batch * 3 * model.inputWidth() * model.inputHeight() * Float.BYTES;
    return input * 2 + (long) batch * (4L << 20);
  }

  static Budget plan(Path video, VideoInfo info, ModelInfo model, PipelineOptions o, int maxBatch, boolean segmented) {
    long budget = o.maxHeap() != null ? o.maxHeap().bytes() : Runtime.getRuntime().maxMemory();
    int cores = Runtime.getRuntime().availableProcessors();
    int batch = o.batchSize() > 0 ? Math.min(o.batchSize(), maxBatch) : Math.min(maxBatch, 4);
    batch = Math.max(1, batch);
    if (!segmented) {
      return planStream(video, info, model, o, batch, budget);
    }
    long per = perWorker(info, model, batch);
    long available = budget - FIXED_BYTES;
    int parallelism;
    if (o.parallelism() > 0) {
      parallelism = o.parallelism();
    } else {
      parallelism = (int) Math.max(1, Math.min(cores, available / Math.max(1, per)));
    }
    if (o.batchSize() == 0) {
      while (batch > 1 && FIXED_BYTES + parallelism * per > budget) {
        batch--;
        per = perWorker(info, model, batch);
      }
    }
    long need = FIXED_BYTES + parallelism * per;
    if (need > budget) {
      long minimum = FIXED_BYTES + perWorker(info, model, 1);
      throw tooSmall(video, info, model, budget, per, batch, parallelism, need, minimum);
    }
    return new Budget(parallelism, batch, parallelism * 2, budget, per);
  }

  /** An unchunked job: derived inference threads and batch are lowered until they fit; explicit ones are not. */
  private static Budget planStream(Path video, VideoInfo info, ModelInfo model, PipelineOptions o, int batch, long budget) {
    int workers = streamWorkers(o);
    while (o.parallelism() == 0 && workers > 1 && FIXED_BYTES + stream(info, model, batch, workers) > budget) {
      workers--;
    }
    if (o.batchSize() == 0) {
      while (batch > 1 && FIXED_BYTES + stream(info, model, batch, workers) > budget) {
        batch--;
      }
    }
    long need = FIXED_BYTES + stream(info, model, batch, workers);
    if (need > budget) {
      throw tooSmall(video, info, model, budget, need - FIXED_BYTES, batch, workers, need, FIXED_BYTES + stream(info, model, 1, 1));
    }
    return new Budget(workers, batch, 1, budget, need - FIXED_BYTES);
  }

  private static ResourceLimitException tooSmall(Path video, VideoInfo info, ModelInfo model, long budget, long per, int batch,
      int parallelism, long need, long minimum) {
    return new ResourceLimitException("FW-300", video, String.format(
        "a %dx%d video with model input %dx%d needs about %s per worker at batch %d (%d worker(s): %s with overhead), "
            + "but maxHeap is %s; raise maxHeap to at least %s%s",
        info.width(), info.height(), model.inputWidth(), model.inputHeight(), mib(per), batch, parallelism, mib(need),
        DataSize.ofBytes(budget), mib(need),
        batch > 1 || parallelism > 1 ? ", or lower batchSize/parallelism (1 worker at batch 1 needs " + mib(minimum) + ")" : ""));
  }

  private static String mib(long bytes) {
    return ((bytes + (1 << 20) - 1) >> 20) + "MiB";
  }
}
