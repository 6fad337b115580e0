package io.framewise.core.run;

import io.framewise.DetectionSummary;
import io.framewise.DetectorIOException;
import io.framewise.JobError;
import io.framewise.ModelException;
import io.framewise.ModelInfo;
import io.framewise.core.pipeline.Cancellation;
import io.framewise.core.pipeline.ErrorLog;
import io.framewise.core.pipeline.FrameProcessor;
import io.framewise.core.pipeline.InferencePool;
import io.framewise.core.pipeline.ProgressTracker;
import io.framewise.core.pipeline.WorkerThreads;
import io.framewise.core.plan.Budget;
import io.framewise.core.plan.IndexCache;
import io.framewise.core.store.Checkpoint;
import io.framewise.core.store.SpillFile;
import io.framewise.spi.JobConfig;
import io.framewise.spi.JobFingerprint;
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
public final class SegmentedRun {

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
  private JobFingerprint fingerprint;
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
    try (LocalRun.ResultWriterCloser ignored = new LocalRun.ResultWriterCloser(writer)) {
      if (options.checkpointDir() != null) {
        Checkpoint.checkDirectory(options.checkpointDir(), video); // before any decoding
      }
      index = IndexCache.get(config.decoder(), video, options);
      Cancellation.check(video);
      ModelInfo modelInfo;
      int maxBatch;
      Budget.ModelCost cost;
      int planned = Budget.segmentWorkers(options, index.segments().size());
      // Opened for the workers the job plans, so the probe's session is the one they will share.
      try (ModelAdapter probe = LocalRun.openModel(config, planned)) {
        modelInfo = probe.info();
        maxBatch = probe.maxBatchSize();
        cost = Budget.ModelCost.of(probe, config);
      }
      budget = Budget.plan(video, index.info(), modelInfo, cost, options, maxBatch, true, planned, index.segments().size());
      fingerprint = JobFingerprint.of(config);
      if (options.checkpointDir() != null) {
        checkpoint = Checkpoint.open(options.checkpointDir(), video, fingerprint);
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
      adapters.addAll(LocalRun.openAdapters(config, workers));
      pool = Executors.newFixedThreadPool(workers, workerThreads);
      ProgressTracker tracker = new ProgressTracker(config.progress(), index.totalFrames(), System.nanoTime());
      ArrayDeque<Future<Outcome>> inFlight = new ArrayDeque<>();
      int submitted = 0;
      ErrorLog errors = new ErrorLog();
      long decoded = 0;
      long processed = 0;
      long failed = 0;
      long detections = 0;
      int segmentsLost = 0;
      // Where the stream is damaged, segments may not decode as the whole stream does: from the first
      // segment that met damage (or from the start, when the index pass met it) the stream is decoded
      // whole, as an unchunked run decodes it, so the output does not depend on the chunking.
      long wholeFrom = index.damaged() && !options.keyframesOnly() ? 0 : -1;
      for (VideoIndex.Segment segment : segments) {
        Cancellation.check(video);
        if (wholeFrom >= 0) {
          break;
        }
        while (submitted < segments.size() && inFlight.size() < budget.window()) {
          VideoIndex.Segment next = segments.get(submitted++);
          inFlight.add(pool.submit(() -> runSegment(next)));
        }
        Outcome outcome = await(inFlight.poll(), tracker);
        tracker.frameDone(framesCovered.get()); // also when segments finish faster than the report interval
        if (!options.keyframesOnly() && (outcome.failure() != null ? decodeFailure(outcome.failure()) : damaged(outcome))) {
          wholeFrom = segment.firstFrameId();
          LOG.warn("{}: segment {} (frames {}..{}) met damaged data; decoding the stream whole from frame {}", video.getFileName(),
              segment.index(), segment.firstFrameId(), segment.lastFrameId(), wholeFrom);
          break;
        }
        if (outcome.failure() instanceof ModelException m && refusedOutput(m)) {
          throw m; // the model's output itself is refused: the unchunked run fails on the same frame, so does this one
        }
        if (outcome.failure() != null) {
          long lost = options.keyframesOnly() ? segment.gopFrames().length : segment.frameCount();
          decoded += lost;
          failed += lost;
          segmentsLost++;
          errors.add("FW-108", "frames " + segment.firstFrameId() + ".." + segment.lastFrameId() + " (segment " + segment.index()
              + ") failed after " + MAX_ATTEMPTS + " attempts: " + oneLine(outcome.failure()), segment.firstFrameId(), null);
          continue;
        }
        SpillFile.Trailer t = SpillFile.replay(outcome.file(), Checkpoint.header(fingerprint, segment), writer::frame);
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
      if (wholeFrom >= 0) {
        cancelled = true; // segments still running are not needed: their frames come from the whole decode
        pool.shutdownNow();
        awaitWorkers(pool, workerThreads);
        long[] rest = decodeWhole(wholeFrom, errors, tracker);
        decoded += rest[0];
        failed += rest[1];
        processed += rest[2];
        detections += rest[3];
      }
      tracker.finished(options.keyframesOnly() ? framesCovered.get() : decoded);
      // every segment lost to failures (FW-108, in errors): incomplete, not "no frame could be decoded"
      DetectionSummary summary = options.keyframesOnly() || (segmentsLost > 0 && decoded == failed)
          ? new DetectionSummary(decoded, processed, failed, detections, failed == 0 && errors.isEmpty(), errors.snapshot())
          : LocalRun.summarize(video, index.info(), decoded - failed, failed, processed, detections, errors);
      writer.end(summary);
      if (checkpoint != null) {
        checkpoint.finish();
      }
      LocalRun.logSummary(video, summary, started);
      return summary;
    } catch (IOException e) {
      if (Cancellation.byInterrupt(e)) {
        throw Cancellation.cancelled(video, e);
      }
      throw new DetectorIOException(null, "cannot write results for " + video, e);
    } finally {
      if (pool != null) {
        cancelled = true;
        pool.shutdownNow();
        awaitWorkers(pool, workerThreads);
      }
      List<ModelAdapter> open = new ArrayList<>();
      adapters.drainTo(open);
      LocalRun.closeAll(open, null);
      if (ownSpillDir) {
        deleteQuietly(spillDir);
      }
    }
  }

  /**
   * Whether the index pass finds no frame in the video stream ({@code FW-105}), after the checks a
   * chunked run makes first (the checkpoint directory). Keyframes-only runs, which have no unchunked
   * equivalent, say no: they fail on the index as before. Other failures of the pass are left to
   * {@link #run()}, which meets them again.
   */
  static boolean indexFindsNoFrames(JobConfig config) {
    PipelineOptions o = config.options();
    if (o.keyframesOnly()) {
      return false;
    }
    if (o.checkpointDir() != null) {
      Checkpoint.checkDirectory(o.checkpointDir(), config.video());
    }
    try {
      IndexCache.get(config.decoder(), config.video(), o); // cached for the run that follows
      return false;
    } catch (io.framewise.CorruptMediaException e) {
      if ("FW-105".equals(e.code())) {
        return true;
      }
      throw e;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether a segment's results record damage (a failed frame or a count the index did not promise). */
  private static boolean damaged(Outcome outcome) {
    return !Boolean.TRUE.equals(outcome.clean());
  }

  /**
   * Whether the model's output was refused as no detector's (FW-206 not a number, FW-207 a score above 1,
   * FW-208 a class beyond the labels): deterministic, so never retried, and the job fails as an
   * unchunked run does (segments before it hold no such frame, so it is the same first frame).
   */
  private static boolean refusedOutput(ModelException e) {
    return switch (String.valueOf(e.code())) {
      case "FW-206", "FW-207", "FW-208" -> true;
      default -> false;
    };
  }

  /** Whether a segment failed for good on the input (the decoder), not on the model or the disk. */
  private static boolean decodeFailure(Throwable failure) {
    return failure instanceof io.framewise.MediaException
        || (failure instanceof IOException && !(failure instanceof DetectorIOException) && !(failure instanceof java.io.InterruptedIOException));
  }

  /**
   * Decodes the stream whole on this thread, as the unchunked run does (the same decoder, decoding
   * threads and frame ids), running the model on frames from {@code fromId} on: those before it were
   * written from undamaged segments. Returns decoded, failed, processed and detection counts of the
   * frames from {@code fromId} on.
   */
  private long[] decodeWhole(long fromId, ErrorLog errors, ProgressTracker tracker) throws IOException {
    ModelAdapter model = adapters.poll(); // the workers have stopped: every adapter is back
    InferencePool inference = null;
    try (VideoDecoder whole = config.decoder().open(config.video())) {
      // The unchunked run's plan (inference threads, batch) and its decoding threads: a damaged stream
      // decodes differently with another number of decoding threads.
      // The same plan as LocalRun.sequential (the model's measured cost, not an estimate):
      // ONNX Runtime's scores can differ in the last digits with another batch size.
      Budget stream = Budget.plan(config.video(), index.info(), model.info(), Budget.ModelCost.of(model, config), options,
          model.maxBatchSize(), false, Budget.streamWorkers(options), Integer.MAX_VALUE);
      if (stream.parallelism() > 1) {
        List<ModelAdapter> threads = LocalRun.openAdapters(config, stream.parallelism());
        try {
          inference = new InferencePool(threads, config.params(), Budget.inFlightBatches(index.info(), stream.batch(), threads.size()));
        } catch (RuntimeException | Error e) {
          LocalRun.closeAll(threads, e);
          throw e;
        }
      }
      whole.decodingThreads(Budget.wholeDecodingThreads(index.info()));
      LocalRun.scaleFramesForModel(whole, model, index.info());
      FrameProcessor processor = new FrameProcessor(model, config, stream.batch(), writer::frame, inference);
      FrameProcessor.Drained drained = processor.drain(new From(whole, fromId), errors, fromId, seen -> tracker.frameDone(fromId + seen));
      return new long[] {drained.decoded() + drained.failed(), drained.failed(), processor.processed(), processor.detections()};
    } finally {
      if (inference != null) {
        inference.close(); // closes its adapters
      }
      adapters.add(model);
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
    public io.framewise.VideoInfo info() {
      return d.info();
    }

    @Override
    public io.framewise.spi.@Nullable VideoFrame next() throws IOException {
      while (true) {
        io.framewise.spi.VideoFrame f = d.next(); // failures are reported wherever they are
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
      throw Cancellation.cancelled(config.video(), e);
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
    SpillFile.Trailer done = doneBefore(segment);
    if (done != null) {
      framesCovered.addAndGet(segment.frameCount());
      LOG.debug("segment {} already done (checkpoint)", segment.index());
      return new Outcome(file, null, done.failed() == 0 && done.errors().isEmpty());
    }
    Throwable last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (cancelled || Thread.currentThread().isInterrupted()) {
        return new Outcome(file, new java.util.concurrent.CancellationException("the job ended"), null);
      }
      try {
        boolean clean = decodeSegment(segment, file);
        return new Outcome(file, null, clean);
      } catch (IOException | RuntimeException e) {
        if (cancelled || Thread.currentThread().isInterrupted()) {
          return new Outcome(file, e, null); // the job ended: not a segment failure, no retry
        }
        if (e instanceof ModelException m && refusedOutput(m)) {
          return new Outcome(file, e, null); // not a passing fault: the same frame gives the same output every time
        }
        last = e;
        LOG.warn("segment {} (frames {}..{}) failed on attempt {} of {}: {}", segment.index(), segment.firstFrameId(),
            segment.lastFrameId(), attempt, MAX_ATTEMPTS, oneLine(e));
      }
    }
    return new Outcome(file, last, null);
  }

  /**
   * Decodes, detects and commits one segment; on failure, takes its frames back out of the progress
   * count. Returns whether it decoded exactly the frames the index promised, with no failure.
   */
  private boolean decodeSegment(VideoIndex.Segment segment, Path file) throws IOException {
    long t0 = System.nanoTime();
    long[] covered = {0}; // frames this attempt added to the progress count
    ModelAdapter model = adapters.poll(); // one per worker: a worker always finds one
    try (SpillFile.Writer spill = new SpillFile.Writer(file, Checkpoint.header(fingerprint, segment));
        VideoDecoder decoder = config.decoder().openSegment(config.video(), index, segment, options.keyframesOnly())) {
      LocalRun.scaleFramesForModel(decoder, model, index.info());
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
      return failed == 0 && errors.isEmpty();
    } catch (IOException | RuntimeException e) {
      framesCovered.addAndGet(-covered[0]);
      throw e;
    } finally {
      adapters.add(model);
    }
  }

  /** The trailer of the checkpoint's sound file of the segment, or null (a damaged one is discarded: the segment is recomputed). */
  private SpillFile.@Nullable Trailer doneBefore(VideoIndex.Segment segment) {
    try {
      return checkpoint != null ? checkpoint.done(segment) : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  /**
   * A finished segment: its committed file, or why it failed for good; {@code clean} says whether it
   * met no damage (null when not known: replayed from a checkpoint, or not run).
   */
  private record Outcome(Path file, @Nullable Throwable failure, @Nullable Boolean clean) {}
}
