package io.framewise.core;

import io.framewise.DetectionSummary;
import io.framewise.DetectorIOException;
import io.framewise.JobError;
import io.framewise.ModelInfo;
import io.framewise.ModelSpec;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chunked job: index the video, run segments on a pool of workers (each decodes its segment,
 * runs the model and spills the results to a file), and write the segments' results in order as they
 * become available. At most {@link Budget#window()} segments are in flight, so neither memory nor
 * disk grows with the video's length; a segment that fails is retried alone, then reported.
 */
final class SegmentedRun {

  private static final Logger LOG = LoggerFactory.getLogger(SegmentedRun.class);
  static final int MAX_ATTEMPTS = 3;

  private final JobConfig config;
  private final ResultWriter writer;
  private final PipelineOptions options;
  private final AtomicLong framesCovered = new AtomicLong();
  private volatile boolean cancelled;
  /** One adapter per worker, borrowed for a segment and given back (not one opened per segment). */
  private final BlockingQueue<ModelAdapter> adapters = new LinkedBlockingQueue<>();
  private int workers = 1;

  private VideoIndex index;
  private Budget budget;
  private @Nullable Checkpoint checkpoint;
  private Path spillDir;
  private boolean ownSpillDir;

  SegmentedRun(JobConfig config, ResultWriter writer) {
    this.config = config;
    this.writer = writer;
    this.options = config.options();
  }

  DetectionSummary run() {
    Path video = config.video();
    long started = System.nanoTime();
    ExecutorService pool = null;
    WorkerThreads workerThreads = new WorkerThreads("framewise-segment-");
    try (DefaultDetectionEngine.ResultWriterCloser ignored = new DefaultDetectionEngine.ResultWriterCloser(writer)) {
      index = IndexCache.get(config.decoder(), video, options);
      ModelInfo modelInfo;
      int maxBatch;
      Budget.ModelCost cost;
      int planned = Budget.segmentWorkers(options, index.segments().size());
      // Opened for the workers the job plans, so the probe's session is the one they will share.
      try (ModelAdapter probe = DefaultDetectionEngine.openModel(config, planned)) {
        modelInfo = probe.info();
        maxBatch = probe.maxBatchSize();
        cost = Budget.ModelCost.of(probe, config);
      }
      budget = Budget.plan(video, index.info(), modelInfo, cost, options, maxBatch, true, planned, index.segments().size());
      if (options.checkpointDir() != null) {
        checkpoint = Checkpoint.open(options.checkpointDir(), video, settings());
        spillDir = options.checkpointDir();
      } else {
        spillDir = Files.createTempDirectory("framewise-segments-");
        ownSpillDir = true;
      }
      List<VideoIndex.Segment> segments = index.segments();
      LOG.debug("{}: {} frames in {} segment(s); {} worker(s), batch {}, budget {} MiB ({} MiB per worker)", video.getFileName(),
          index.totalFrames(), segments.size(), budget.parallelism(), budget.batch(), budget.budgetBytes() >> 20,
          budget.perWorkerBytes() >> 20);
      writer.begin(index.info(), modelInfo);

      workers = Math.min(budget.parallelism(), segments.size());
      adapters.addAll(DefaultDetectionEngine.openAdapters(config, workers));
      pool = Executors.newFixedThreadPool(workers, workerThreads);
      ProgressTracker tracker = new ProgressTracker(config.progress(), index.totalFrames(), System.nanoTime());
      ArrayDeque<Future<Outcome>> inFlight = new ArrayDeque<>();
      int submitted = 0;
      ErrorLog errors = new ErrorLog();
      long decoded = 0;
      long processed = 0;
      long failed = 0;
      long detections = 0;
      for (VideoIndex.Segment segment : segments) {
        while (submitted < segments.size() && inFlight.size() < budget.window()) {
          VideoIndex.Segment next = segments.get(submitted++);
          inFlight.add(pool.submit(() -> runSegment(next)));
        }
        Outcome outcome = await(inFlight.poll(), tracker);
        tracker.frameDone(framesCovered.get()); // also when segments finish faster than the report interval
        if (outcome.failure() != null) {
          long lost = options.keyframesOnly() ? segment.gopFrames().length : segment.frameCount();
          decoded += lost;
          failed += lost;
          errors.add("FW-108", "frames " + segment.firstFrameId() + ".." + segment.lastFrameId() + " (segment " + segment.index()
              + ") failed after " + MAX_ATTEMPTS + " attempts: " + oneLine(outcome.failure()), segment.firstFrameId(), null);
          continue;
        }
        SpillFile.Trailer t = SpillFile.replay(outcome.file(), writer::frame);
        decoded += t.decoded();
        processed += t.processed();
        failed += t.failed();
        detections += t.detections();
        for (JobError e : t.errors()) {
          errors.add(e.code(), e.message(), e.frameId(), e.ptsMs());
        }
        if (checkpoint == null) {
          Files.deleteIfExists(outcome.file());
        }
      }
      tracker.finished(framesCovered.get());
      long declared = index.info().declaredFrames();
      if (declared > index.totalFrames()) {
        // the demuxer delivered fewer packets than the container declares (cut or damaged file)
        long missing = declared - index.totalFrames();
        decoded += missing;
        failed += missing;
        errors.add("FW-106", "the stream holds " + index.totalFrames() + " frame(s) but the container declares " + declared
            + ": the file is probably truncated or damaged", null, null);
      }
      DetectionSummary summary = new DetectionSummary(decoded, processed, failed, detections,
          failed == 0 && errors.isEmpty(), errors.snapshot());
      writer.end(summary);
      if (checkpoint != null) {
        checkpoint.finish();
      }
      DefaultDetectionEngine.logSummary(video, summary, started);
      return summary;
    } catch (IOException e) {
      throw new DetectorIOException(null, "cannot write results for " + video, e);
    } finally {
      if (pool != null) {
        cancelled = true;
        pool.shutdownNow();
        awaitWorkers(pool, workerThreads);
      }
      List<ModelAdapter> open = new ArrayList<>();
      adapters.drainTo(open);
      DefaultDetectionEngine.closeAll(open, null);
      if (ownSpillDir) {
        deleteQuietly(spillDir);
      }
    }
  }

  /** Waits for workers to stop after a job ends, so none writes into the spill or checkpoint directory later. */
  private static void awaitWorkers(ExecutorService pool, WorkerThreads threads) {
    boolean interrupted = false;
    while (true) {
      try {
        if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
          LOG.warn("segment workers still running 60 s after the job ended");
          return;
        }
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    threads.joinAll(10, TimeUnit.SECONDS); // the pool's threads end right after its termination
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for a segment, reporting progress meanwhile. */
  private Outcome await(Future<Outcome> future, ProgressTracker tracker) {
    try {
      while (true) {
        try {
          return future.get(ProgressTracker.INTERVAL_NANOS, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          tracker.frameDone(framesCovered.get());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DetectorIOException(null, "interrupted while waiting for segments of " + config.video(), new java.io.InterruptedIOException());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(cause);
    }
  }

  /** Decodes one segment, runs the model and commits its spill file; retries alone on failure. */
  private Outcome runSegment(VideoIndex.Segment segment) {
    Path file = checkpoint != null ? checkpoint.segmentFile(segment.index()) : spillDir.resolve("segment-" + segment.index() + ".fws");
    if (checkpoint != null && checkpoint.isDone(segment.index())) {
      framesCovered.addAndGet(segment.frameCount());
      LOG.debug("segment {} already done (checkpoint)", segment.index());
      return new Outcome(file, null);
    }
    Throwable last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (cancelled || Thread.currentThread().isInterrupted()) {
        return new Outcome(file, new java.util.concurrent.CancellationException("the job ended"));
      }
      try {
        decodeSegment(segment, file);
        return new Outcome(file, null);
      } catch (IOException | RuntimeException e) {
        if (cancelled || Thread.currentThread().isInterrupted()) {
          return new Outcome(file, e); // the job ended: not a segment failure, no retry
        }
        last = e;
        LOG.warn("segment {} (frames {}..{}) failed on attempt {} of {}: {}", segment.index(), segment.firstFrameId(),
            segment.lastFrameId(), attempt, MAX_ATTEMPTS, oneLine(e));
      }
    }
    return new Outcome(file, last);
  }

  /** Decodes, detects and commits one segment; on failure, takes its frames back out of the progress count. */
  private void decodeSegment(VideoIndex.Segment segment, Path file) throws IOException {
    long t0 = System.nanoTime();
    long[] covered = {0}; // frames this attempt added to the progress count
    ModelAdapter model = adapters.poll(); // one per worker: a worker always finds one
    try (SpillFile.Writer spill = new SpillFile.Writer(file);
        VideoDecoder decoder = config.decoder().openSegment(config.video(), index, segment, options.keyframesOnly())) {
      DefaultDetectionEngine.scaleFramesForModel(decoder, model, index.info());
      // Cores that the workers' inference leaves free are shared by their decoders (at least one thread each).
      decoder.decodingThreads(Budget.decodingThreads(workers * Math.max(0, model.cpuThreads()), workers));
      ErrorLog errors = new ErrorLog();
      FrameProcessor processor = new FrameProcessor(model, config, budget.batch(), spill::frame);
      FrameProcessor.Drained drained = processor.drain(decoder, errors, segment.firstFrameId(), seen -> {
        covered[0]++;
        framesCovered.incrementAndGet();
      });
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
      spill.commit(new SpillFile.Trailer(decoded + failed, processor.processed(), failed, processor.detections(), errors.snapshot()));
      LOG.debug("segment {}: frames {}..{}, {} decoded, {} processed, {} detections in {} ms", segment.index(),
          segment.firstFrameId(), segment.lastFrameId(), decoded, processor.processed(), processor.detections(),
          (System.nanoTime() - t0) / 1_000_000);
    } catch (IOException | RuntimeException e) {
      framesCovered.addAndGet(-covered[0]);
      throw e;
    } finally {
      adapters.add(model);
    }
  }

  /** What must match for a checkpoint to be resumed: the model and every setting that shapes the output. */
  private String settings() throws IOException {
    ModelSpec m = config.model();
    Path model = m.path().toAbsolutePath().normalize();
    String modelId = Files.isRegularFile(model) ? model + "@" + Files.size(model) + "/" + Files.getLastModifiedTime(model).toMillis() : model.toString();
    return String.join(";",
        "schema=" + JsonResultWriter.SCHEMA_VERSION,
        "decoder=" + config.decoder().name(),
        "adapter=" + config.modelAdapter().name(),
        "model=" + modelId,
        "format=" + m.format().id(),
        "labels=" + m.labels() + "/" + m.labelsFile(),
        "input=" + m.inputWidth() + "x" + m.inputHeight(),
        "name=" + m.displayName(),
        "confidence=" + config.params().confidence(),
        "iou=" + config.params().iou(),
        "chunk=" + options.chunkBytes() + "/" + options.chunkDuration(),
        "stride=" + options.frameStride(),
        "keyframesOnly=" + options.keyframesOnly());
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("\\s+", " ").trim();
  }

  private static void deleteQuietly(@Nullable Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("could not delete {}: {}", dir, e.getMessage());
    }
  }

  /** A finished segment: its committed file, or why it failed for good. */
  private record Outcome(Path file, @Nullable Throwable failure) {}
}
