package io.framewise.core.run;

import io.framewise.DetectionSummary;
import io.framewise.DetectorIOException;
import io.framewise.ModelException;
import io.framewise.core.merge.SegmentMerger;
import io.framewise.core.pipeline.Cancellation;
import io.framewise.core.pipeline.ProgressTracker;
import io.framewise.core.pipeline.WorkerThreads;
import io.framewise.core.plan.IndexCache;
import io.framewise.core.store.Checkpoint;
import io.framewise.core.store.DirectoryResultStore;
import io.framewise.core.store.ResultStore;
import io.framewise.core.store.SegmentResult;
import io.framewise.core.task.InputCheck;
import io.framewise.core.task.JobPlan;
import io.framewise.core.task.JobPlanner;
import io.framewise.core.task.SegmentRunner;
import io.framewise.core.task.SegmentTask;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
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
 * One chunked job on this machine: plan it ({@link JobPlanner}), run its segment tasks on a pool of
 * workers with a {@link SegmentRunner} (each decodes its segment, runs the model and commits the
 * result to a store: the checkpoint directory, or a spill directory of its own), and feed the results
 * in order to a {@link SegmentMerger}, which writes them as they become available. At most
 * {@link JobPlan#window()} segments are in flight, so neither memory nor disk grows with the video's
 * length; a segment that fails is retried alone, then reported. A remote worker runs the same tasks
 * with the same runner.
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

  private @Nullable Checkpoint checkpoint;
  private Path spillDir;
  private boolean ownSpillDir;
  private SegmentRunner runner;
  private SegmentRunner.Job job;

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
      JobPlan plan = JobPlanner.plan(config);
      VideoIndex index = plan.index();
      ResultStore store;
      if (options.checkpointDir() != null) {
        checkpoint = Checkpoint.open(options.checkpointDir(), video, plan.fingerprint());
        spillDir = options.checkpointDir();
        store = checkpoint.store();
      } else {
        spillDir = Files.createTempDirectory("framewise-segments-");
        ownSpillDir = true;
        store = DirectoryResultStore.forJob(spillDir, plan.fingerprint().hex());
      }
      List<VideoIndex.Segment> segments = index.segments();
      SegmentMerger merger = SegmentMerger.of(plan, writer, store, checkpoint == null);
      merger.begin(plan.modelInfo());

      int workers = Math.min(plan.parallelism(), segments.size());
      adapters.addAll(LocalRun.openAdapters(config, workers));
      SegmentRunner.Models lent = new SegmentRunner.Models() {
        @Override
        public ModelAdapter borrow(JobConfig c) {
          return Objects.requireNonNull(adapters.poll(), "one adapter per worker"); // a worker always finds one
        }

        @Override
        public void giveBack(ModelAdapter adapter) {
          adapters.add(adapter);
        }
      };
      runner = new SegmentRunner(new SegmentRunner.Environment(config.decoder(), config.modelAdapter(), InputCheck.only(video),
          options.maxHeap(), Math.max(1, workers), lent), store);
      job = new SegmentRunner.Job(config, index);
      pool = Executors.newFixedThreadPool(Math.max(1, workers), workerThreads);
      ProgressTracker tracker = new ProgressTracker(config.progress(), index.totalFrames(), System.nanoTime());
      ArrayDeque<Future<Outcome>> inFlight = new ArrayDeque<>();
      int submitted = 0;
      // Where the stream is damaged, segments may not decode as the whole stream does: from the first
      // segment that met damage (or from the start, when the index pass met it) the stream is decoded
      // whole, as an unchunked run decodes it, so the output does not depend on the chunking.
      // (The merger starts with tailFrom() 0 when the index pass met damage.)
      for (VideoIndex.Segment segment : segments) {
        Cancellation.check(video);
        if (merger.tailFrom() >= 0) {
          break;
        }
        while (submitted < segments.size() && inFlight.size() < plan.window()) {
          SegmentTask next = plan.task(submitted++);
          inFlight.add(pool.submit(() -> runSegment(next)));
        }
        Outcome outcome = await(inFlight.poll(), tracker);
        tracker.frameDone(framesCovered.get()); // also when segments finish faster than the report interval
        Throwable failure = outcome.failure();
        boolean merged = false;
        if (failure != null && !options.keyframesOnly() && decodeFailure(failure)) {
          merger.damaged(segment.index());
        } else if (failure == null) {
          merged = merger.merge(Objects.requireNonNull(outcome.result()));
        }
        if (merger.tailFrom() >= 0) {
          LOG.warn("{}: segment {} (frames {}..{}) met damaged data; decoding the stream whole from frame {}", video.getFileName(),
              segment.index(), segment.firstFrameId(), segment.lastFrameId(), merger.tailFrom());
          break;
        }
        if (failure instanceof ModelException m && refusedOutput(m)) {
          throw m; // the model's output itself is refused: the unchunked run fails on the same frame, so does this one
        }
        if (failure != null) {
          merger.lost(segment.index(), MAX_ATTEMPTS + " attempts: " + oneLine(failure));
        } else if (!merged) {
          throw new IllegalStateException("segment " + segment.index() + " was not merged");
        }
      }
      if (merger.tailFrom() >= 0) {
        cancelled = true; // segments still running are not needed: their frames come from the whole decode
        pool.shutdownNow();
        awaitWorkers(pool, workerThreads);
        // On this thread, after the workers stopped: every adapter is back.
        SegmentTask tail = plan.tail(merger.tailFrom());
        store.delete(tail.key()); // a tail left by an earlier run of a checkpoint is not reused
        long fromId = tail.firstFrameId();
        SegmentResult r = runner.run(tail, job, new SegmentRunner.Listener() {
          @Override
          public void frame(long seen) {
            tracker.frameDone(fromId + seen);
          }
        });
        merger.mergeTail(r);
        if (checkpoint != null) {
          store.delete(tail.key()); // not a segment of the checkpoint's journal
        }
      }
      tracker.finished(options.keyframesOnly() ? framesCovered.get() : merger.frames());
      DetectionSummary summary = merger.finish(started);
      if (checkpoint != null) {
        checkpoint.finish();
      }
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

  /** Runs one segment's task (the runner commits its result to the store); retries alone on failure. */
  private Outcome runSegment(SegmentTask task) {
    VideoIndex.Segment segment = Objects.requireNonNull(task.range());
    SegmentResult done = doneBefore(segment);
    if (done != null) {
      framesCovered.addAndGet(segment.frameCount());
      LOG.debug("segment {} already done (checkpoint)", segment.index());
      return new Outcome(done, null);
    }
    Throwable last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (cancelled || Thread.currentThread().isInterrupted()) {
        return new Outcome(null, new java.util.concurrent.CancellationException("the job ended"));
      }
      long[] covered = {0}; // frames this attempt added to the progress count
      try {
        return new Outcome(runner.run(task, job, new SegmentRunner.Listener() {
          @Override
          public void frame(long seen) {
            covered[0]++;
            framesCovered.incrementAndGet();
          }
        }), null);
      } catch (IOException | RuntimeException e) {
        framesCovered.addAndGet(-covered[0]);
        if (cancelled || Thread.currentThread().isInterrupted()) {
          return new Outcome(null, e); // the job ended: not a segment failure, no retry
        }
        if (e instanceof ModelException m && refusedOutput(m)) {
          return new Outcome(null, e); // not a passing fault: the same frame gives the same output every time
        }
        last = e;
        LOG.warn("segment {} (frames {}..{}) failed on attempt {} of {}: {}", segment.index(), segment.firstFrameId(),
            segment.lastFrameId(), attempt, MAX_ATTEMPTS, oneLine(e));
      }
    }
    return new Outcome(null, last);
  }

  /** The checkpoint's sound result of the segment, or null (a damaged one is discarded: the segment is recomputed). */
  private @Nullable SegmentResult doneBefore(VideoIndex.Segment segment) {
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

  /** A finished segment: its stored result, or why it failed for good. */
  private record Outcome(@Nullable SegmentResult result, @Nullable Throwable failure) {}
}
