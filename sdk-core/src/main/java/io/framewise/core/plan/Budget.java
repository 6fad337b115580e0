package io.framewise.core.plan;

import io.framewise.DataSize;
import io.framewise.ModelInfo;
import io.framewise.ResourceLimitException;
import io.framewise.VideoInfo;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.ModelAdapter;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits a job into its memory budget ({@code maxHeap}): estimates the peak resident memory (RSS) of the
 * process for the job, heap and native together, then derives the parallelism (and the batch) that
 * fit, or fails fast naming what to change. Explicit settings are never lowered silently: when they do
 * not fit, the job fails. See docs/memory.md for what is counted and how well it matches measurements.
 *
 * <p>The estimate is {@code FIXED_BYTES} (the JVM and the native libraries) + the larger of two
 * moments: the model loading ({@link io.framewise.spi.ModelAdapterProvider#loadingBytes}, before any
 * frame is decoded), and the job running: the loaded model once per session
 * ({@link ModelAdapter#loadedBytes()}) + per segment worker or inference thread its share: decoder
 * pictures, the converted frame, frame copies in flight, and one inference call's working memory
 * ({@link ModelAdapter#workingBytes(int)}).
 *
 * @param parallelism segments decoded at once (segmented runs), or inference threads (unchunked runs)
 * @param batch frames per inference call
 * @param window segments in flight (running or finished but not yet written)
 * @param budgetBytes the budget
 * @param perWorkerBytes the estimate for one worker (unchunked: for the decoder and every inference thread)
 * @param estimateBytes the whole estimate: fixed overhead, loaded model(s) and workers
 */
public record Budget(int parallelism, int batch, int window, long budgetBytes, long perWorkerBytes, long estimateBytes) {

  private static final Logger LOG = LoggerFactory.getLogger(Budget.class);

  /**
   * What the process holds whatever the video and model: the JVM (its heap in use, metaspace, code
   * cache, thread stacks) and the mapped native libraries (FFmpeg, ONNX Runtime, JavaCPP). Measured
   * 114 to 119 MiB peak RSS for a 192x128 video and a 1 KB model with {@code -Xms64m}
   * (benchmarks/README.md, "Budget"); a larger {@code -Xms} adds the heap it makes the JVM touch.
   */
  public static final long FIXED_BYTES = 128L << 20;
  /**
   * Pictures a decoder's reference buffer holds for codecs with many references (H.264, HEVC, VP9,
   * AV1): at most {@link #DPB_PIXELS} of pictures, as H.264/HEVC level 5.1 allows, and at most this
   * many. Six covers what common encoders write (x264's presets up to slow: 3 to 5 references plus
   * B-frame reordering); a stream with 16 references at 1080p holds 10 pictures (31 MiB) more.
   */
  static final int MAX_DPB_PICTURES = 6;
  /** H.264 level 5.1's decoded picture buffer, 184,320 macroblocks, in pixels (five 3840x2160 pictures). */
  static final long DPB_PIXELS = 184_320L * 256;
  /** Reference pictures of the older codecs (MPEG-1/2/4 part 2, ...): two, plus the B-frame. */
  static final int SHORT_DPB_PICTURES = 3;
  /**
   * Bytes per frame of the sample table an open MP4/MOV container holds: FFmpeg keeps the whole table
   * (offset, size, times of every frame) in memory. Measured 45 to 56 bytes per frame on a stream-copied
   * H.264 file (4.2 million frames) and about 120 on files whose every sample is its own chunk; this
   * leaves room above both. Counted once per job: the workers of a job share one open container
   * ({@code ffmpeg.ContainerPool}), and a remote worker runs one task at a time.
   */
  static final int SAMPLE_TABLE_BYTES_PER_FRAME = 128;

  /** Most inference threads for one decoded stream (an unchunked job) by default. */
  public static final int MAX_STREAM_WORKERS = 4;

  /**
   * What a model costs: while it loads, once loaded per session, and per inference call by batch size
   * (index = batch).
   *
   * @param loadingBytes the peak while a session loads (at least {@code loadedBytes})
   * @param loadedBytes the loaded model
   * @param workingBytes one call's working memory by batch ({@code [0]} unused)
   */
  public record ModelCost(long loadingBytes, long loadedBytes, long[] workingBytes) {

    /** Asks the adapter and its provider, falling back on {@link #estimate} for what they cannot tell. */
    public static ModelCost of(ModelAdapter adapter, io.framewise.spi.JobConfig config) {
      return of(adapter, config.modelAdapter().loadingBytes(config.model()));
    }

    /** Asks the adapter, with the provider's estimate of the loading peak. */
    public static ModelCost of(ModelAdapter adapter, long loadingBytes) {
      int max = Math.max(1, adapter.maxBatchSize());
      ModelCost fallback = estimate(adapter.info(), max);
      long[] working = new long[max + 1];
      for (int b = 1; b <= max; b++) {
        long w = adapter.workingBytes(b);
        working[b] = w >= 0 ? w : fallback.working(b);
      }
      long loaded = Math.max(0, adapter.loadedBytes());
      return new ModelCost(Math.max(loaded, loadingBytes), loaded, working);
    }

    /** For an adapter that tells nothing: no loaded model, and per call its input twice plus 4 MiB per frame. */
    static ModelCost estimate(ModelInfo model, int maxBatch) {
      long[] working = new long[Math.max(1, maxBatch) + 1];
      long input = 3L * model.inputWidth() * model.inputHeight() * Float.BYTES;
      for (int b = 1; b < working.length; b++) {
        working[b] = b * (input * 2 + (4L << 20));
      }
      return new ModelCost(0, 0, working);
    }

    long working(int batch) {
      return workingBytes[Math.min(Math.max(1, batch), workingBytes.length - 1)];
    }
  }

  /** Inference threads an unchunked job plans for: the parallelism asked for, else one per core (at most 4). */
  public static int streamWorkers(PipelineOptions o) {
    if (o.parallelism() > 0) {
      return o.parallelism();
    }
    return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), MAX_STREAM_WORKERS));
  }

  /** Segment workers a chunked job plans for before its budget is known: the parallelism asked for, else one per core; at most one per segment. */
  public static int segmentWorkers(PipelineOptions o, int segments) {
    int wanted = o.parallelism() > 0 ? o.parallelism() : Runtime.getRuntime().availableProcessors();
    return Math.max(1, Math.min(wanted, segments));
  }

  /**
   * Decoding threads that leave {@code busyCpuThreads} cores to inference, shared by {@code decoders}
   * decoders: 0 (the decoder's own choice) when inference uses no CPU, else at least 1 each.
   */
  public static int decodingThreads(int busyCpuThreads, int decoders) {
    int cores = Runtime.getRuntime().availableProcessors();
    int free = cores - busyCpuThreads;
    return free >= cores ? 0 : Math.max(1, free / Math.max(1, decoders));
  }

  /**
   * Decoding threads of a whole-stream decoding (an unchunked run, and a chunked run's fallback to
   * decoding whole): one, whatever the machine, the job's parallelism or the device. FFmpeg's decoders
   * are bit-exact whatever their thread count on sound input, but on damaged input (H.264 above all)
   * frame-threaded decoding conceals errors differently with another number of threads, and is not even
   * repeatable with the same number (measured on saved fuzz inputs: 5 of 60 damaged files gave other
   * pixels from run to run with 2 or 3 frame threads; none with one). The whole-stream decoding defines
   * the output, so it must decode the same way in every run. Segment decoders may use more: their
   * output is used only where they met no damage.
   */
  public static int wholeDecodingThreads(VideoInfo video) {
    return 1;
  }

  /**
   * Before the model is loaded: refuses a job whose model alone (as the provider estimates it from the
   * file) cannot fit the budget, so that a huge model is not loaded only to be refused.
   */
  public static void checkModelFits(Path video, Path modelFile, long loadingBytes, PipelineOptions o) {
    long budget = budgetOf(o);
    long need = FIXED_BYTES + loadingBytes;
    if (loadingBytes > 0 && need > budget) {
      throw new ResourceLimitException("FW-300", video, String.format(Locale.ROOT,
          "the model %s needs about %s to load (weights and runtime; %s with the JVM and libraries), but %s; "
              + "raise maxHeap to at least %s, or use a smaller model",
          modelFile.getFileName(), mib(loadingBytes), mib(need), budgetText(o, budget), mib(need)));
    }
  }

  /**
   * What an unchunked job holds beyond the fixed part and the loaded model: one decoder, the frames
   * being collected, and per inference thread one call's working memory and the frame copies in
   * flight ({@link #inFlightBatches}, plus the batch being collected and the one being written).
   */
  public static long stream(VideoInfo video, ModelCost model, int batch, int workers) {
    long bgr = (long) video.width() * video.height() * 3;
    long copies = workers > 1 ? (inFlightBatches(video, batch, workers) + 2L) * batch * bgr : (batch > 1 ? batch * bgr : 0);
    return decoder(video, decoderThreads(1)) + copies + workers * model.working(batch) + sampleTable(video);
  }

  /** Frame copies in flight beyond which the inference pool queues no more batches than it has threads. */
  static final long IN_FLIGHT_COPIES = 256L << 20;

  /**
   * How many batches the inference pool lets wait or run at once: two per thread, so a thread finds the
   * next batch ready, unless their frame copies would pass {@link #IN_FLIGHT_COPIES} (large frames in
   * large batches); then fewer, down to one per thread. Frames that big take longer to decode than a
   * fast model takes to run them, so the queue would seldom fill, yet a full one would be held.
   */
  public static int inFlightBatches(VideoInfo video, int batch, int workers) {
    long batchBytes = Math.max(1L, (long) video.width() * video.height() * 3 * Math.max(1, batch));
    long fit = IN_FLIGHT_COPIES / batchBytes;
    return (int) Math.max(workers, Math.min(2L * workers, fit));
  }

  /** {@link #stream(VideoInfo, ModelCost, int, int)} for a model that tells nothing about itself. */
  public static long stream(VideoInfo video, ModelInfo model, int batch, int workers) {
    return stream(video, ModelCost.estimate(model, batch), batch, workers);
  }

  /** What one segment worker holds: its decoder, batch copies, one inference call's working memory. */
  static long perWorker(VideoInfo video, ModelCost model, int batch, int workers) {
    long bgr = (long) video.width() * video.height() * 3;
    long copies = batch > 1 ? batch * bgr : 0;
    return decoder(video, decoderThreads(workers)) + copies + model.working(batch);
  }

  /** Frame threads one of {@code decoders} decoders may run: the cores shared out, at least 1. */
  private static int decoderThreads(int decoders) {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, decoders));
  }

  /**
   * One open decoder: its pictures (the reference buffer, one per frame thread, the one being output)
   * and the converted BGR frame.
   */
  static long decoder(VideoInfo video, int threads) {
    long pixels = Math.max(1, (long) video.width() * video.height());
    return pictures(video.codec(), pixels, threads) * pixels * 3 / 2 + pixels * 3;
  }

  /** The open container's sample table (MP4/MOV), once per job: 0 where the container declares no frame count. */
  static long sampleTable(VideoInfo video) {
    return video.declaredFrames() * SAMPLE_TABLE_BYTES_PER_FRAME;
  }

  /** The sample tables of a segmented job: one shared container, or one per worker. */
  private static long tables(VideoInfo video, boolean shared, int workers) {
    return sampleTable(video) * (shared ? 1 : workers);
  }

  /** Decoded yuv420p pictures a decoder holds at once. */
  static long pictures(String codec, long pixels, int threads) {
    long dpb = switch (codec.toLowerCase(Locale.ROOT)) {
      case "mpeg4", "mpeg2video", "mpeg1video", "msmpeg4", "msmpeg4v2", "msmpeg4v3", "h263", "flv", "mjpeg", "rawvideo" ->
          SHORT_DPB_PICTURES;
      default -> Math.max(1, Math.min(MAX_DPB_PICTURES, DPB_PIXELS / pixels));
    };
    return dpb + threads + 1;
  }

  /** The budget: {@code maxHeap}, else the JVM's maximum heap. */
  static long budgetOf(PipelineOptions o) {
    return o.maxHeap() != null ? o.maxHeap().bytes() : Runtime.getRuntime().maxMemory();
  }

  /** {@link #plan(Path, VideoInfo, ModelInfo, ModelCost, PipelineOptions, int, boolean, int)} for a model that tells nothing, planned as asked. */
  public static Budget plan(Path video, VideoInfo info, ModelInfo model, PipelineOptions o, int maxBatch, boolean segmented) {
    int planned = segmented ? segmentWorkers(o, Integer.MAX_VALUE) : streamWorkers(o);
    return plan(video, info, model, ModelCost.estimate(model, maxBatch), o, maxBatch, segmented, planned, Integer.MAX_VALUE);
  }

  /**
   * Plans the job.
   *
   * @param plannedWorkers the workers the model was opened for: fewer workers load a second session
   *     (another thread count), which is counted
   * @param segments the segments of a segmented job (no more workers than that run)
   */
  public static Budget plan(Path video, VideoInfo info, ModelInfo model, ModelCost cost, PipelineOptions o, int maxBatch, boolean segmented,
      int plannedWorkers, int segments) {
    return plan(video, info, model, cost, o, maxBatch, segmented, plannedWorkers, segments, true);
  }

  /**
   * Plans the job.
   *
   * @param plannedWorkers the workers the model was opened for: fewer workers load a second session
   *     (another thread count), which is counted
   * @param segments the segments of a segmented job (no more workers than that run)
   * @param sharedContainer whether the segment workers share one open container (an MP4/MOV that
   *     {@code ffmpeg.ContainerPool} shares): its sample table is then counted once, else once per worker
   */
  public static Budget plan(Path video, VideoInfo info, ModelInfo model, ModelCost cost, PipelineOptions o, int maxBatch, boolean segmented,
      int plannedWorkers, int segments, boolean sharedContainer) {
    long budget = budgetOf(o);
    int cores = Runtime.getRuntime().availableProcessors();
    int batch = o.batchSize() > 0 ? Math.min(o.batchSize(), maxBatch) : Math.min(maxBatch, 4);
    batch = Math.max(1, batch);
    Budget b;
    if (!segmented) {
      b = planStream(video, info, model, cost, o, batch, budget, plannedWorkers);
    } else {
      long fixed = FIXED_BYTES + cost.loadedBytes(); // for deriving the parallelism; total() decides
      int parallelism;
      if (o.parallelism() > 0) {
        parallelism = o.parallelism();
      } else {
        long per = perWorker(info, cost, batch, cores);
        parallelism = (int) Math.max(1, Math.min(cores, (budget - fixed - (sharedContainer ? sampleTable(info) : 0)) / Math.max(1, per + (sharedContainer ? 0 : sampleTable(info)))));
      }
      parallelism = Math.max(1, Math.min(parallelism, segments));
      if (o.batchSize() == 0) {
        while (batch > 1 && total(cost, parallelism, perWorker(info, cost, batch, parallelism), plannedWorkers) + tables(info, sharedContainer, parallelism) > budget) {
          batch--;
        }
      }
      long per = perWorker(info, cost, batch, parallelism);
      long need = total(cost, parallelism, per, plannedWorkers) + tables(info, sharedContainer, parallelism);
      if (need > budget) {
        long minimum = total(cost, 1, perWorker(info, cost, 1, 1), plannedWorkers) + sampleTable(info);
        throw tooSmall(video, info, model, cost, o, budget, per, batch, parallelism, need, minimum, tables(info, sharedContainer, parallelism));
      }
      b = new Budget(parallelism, batch, parallelism * 2, budget, per, need);
    }
    LOG.debug("{}: memory estimate={} bytes ({} MiB: fixed {} MiB, model {} MiB loading, {} MiB loaded, {} x {} MiB per {}), batch {}, "
        + "budget {} MiB", video.getFileName(), b.estimateBytes, b.estimateBytes >> 20, FIXED_BYTES >> 20, cost.loadingBytes() >> 20,
        cost.loadedBytes() >> 20,
        segmented ? b.parallelism : 1, b.perWorkerBytes >> 20, segmented ? "segment worker" : "stream (decoder and inference threads)",
        b.batch, budget >> 20);
    return b;
  }

  /**
   * Fixed part plus the larger of loading and running: the loaded model (twice when the workers
   * differ from those it was loaded for: a second session, loaded while the first is held) and the
   * workers.
   */
  static long total(ModelCost cost, int workers, long perWorker, int plannedWorkers) {
    return total(cost, workers == plannedWorkers ? 1 : 2, (long) workers * perWorker);
  }

  private static long total(ModelCost cost, int sessions, long workersBytes) {
    long loading = cost.loadingBytes() + (sessions - 1L) * cost.loadedBytes();
    long running = sessions * cost.loadedBytes() + workersBytes;
    return FIXED_BYTES + Math.max(loading, running);
  }

  /** An unchunked job: derived inference threads and batch are lowered until they fit; explicit ones are not. */
  private static Budget planStream(Path video, VideoInfo info, ModelInfo model, ModelCost cost, PipelineOptions o, int batch, long budget,
      int plannedWorkers) {
    int workers = streamWorkers(o);
    while (o.parallelism() == 0 && workers > 1 && streamTotal(info, cost, batch, workers, plannedWorkers) > budget) {
      workers--;
    }
    if (o.batchSize() == 0) {
      while (batch > 1 && streamTotal(info, cost, batch, workers, plannedWorkers) > budget) {
        batch--;
      }
    }
    long need = streamTotal(info, cost, batch, workers, plannedWorkers);
    if (need > budget) {
      throw tooSmall(video, info, model, cost, o, budget, stream(info, cost, batch, workers), batch, workers, need,
          streamTotal(info, cost, 1, 1, plannedWorkers), 0);
    }
    return new Budget(workers, batch, 1, budget, stream(info, cost, batch, workers), need);
  }

  private static long streamTotal(VideoInfo info, ModelCost cost, int batch, int workers, int plannedWorkers) {
    return total(cost, workers == plannedWorkers ? 1 : 2, stream(info, cost, batch, workers));
  }

  private static ResourceLimitException tooSmall(Path video, VideoInfo info, ModelInfo model, ModelCost cost, PipelineOptions o,
      long budget, long per,
      int batch, int parallelism, long need, long minimum, long tableBytes) {
    return new ResourceLimitException("FW-300", video, String.format(Locale.ROOT,
        "a %dx%d video with model %s (input %dx%d, about %s loaded, %s while loading) needs about %s: %s for the JVM and "
            + "libraries, the model, %s per worker at batch %d x %d worker(s)%s; but %s; raise maxHeap to at least %s%s",
        info.width(), info.height(), model.name(), model.inputWidth(), model.inputHeight(), mib(cost.loadedBytes()),
        mib(cost.loadingBytes()), mib(need),
        mib(FIXED_BYTES), mib(per), batch, parallelism,
        tableBytes > 0 ? " and " + mib(tableBytes) + " for the sample table of " + info.declaredFrames() + " frames"
            + (tableBytes > sampleTable(info) ? " (one per worker: the container cannot be shared)" : "") : "",
        budgetText(o, budget), mib(need),
        batch > 1 || parallelism > 1 ? ", or lower batchSize/parallelism (1 worker at batch 1 needs " + mib(minimum) + ")" : "")
        + (cost.loadedBytes() > (long) parallelism * per ? ", or use a smaller model" : ""));
  }

  /**
   * Says what the budget is and where it came from: without maxHeap it is the JVM's maximum heap, which a
   * small {@code -Xmx} (or a container's default of a quarter of its memory) makes smaller than the job's
   * peak resident memory although the process may have room for it.
   */
  private static String budgetText(PipelineOptions o, long budget) {
    return o.maxHeap() != null ? "maxHeap is " + DataSize.ofBytes(budget)
        : "maxHeap is not set, so the budget is the JVM's maximum heap (-Xmx), " + DataSize.ofBytes(budget)
            + " (maxHeap may be larger than -Xmx: it bounds heap and native memory together)";
  }

  private static String mib(long bytes) {
    return ((bytes + (1 << 20) - 1) >> 20) + "MiB";
  }
}
