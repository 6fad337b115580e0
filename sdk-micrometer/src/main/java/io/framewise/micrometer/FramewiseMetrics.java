package io.framewise.micrometer;

import io.framewise.DetectionSummary;
import io.framewise.JobCancelledException;
import io.framewise.JobObserver;
import io.framewise.JobTimeoutException;
import io.framewise.ModelInfo;
import io.framewise.Progress;
import io.framewise.VideoDetectorException;
import io.framewise.VideoInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Framewise's jobs as Micrometer meters: frames processed and failed, frames per second, job durations
 * and failed jobs. It is a {@link JobObserver}, added to a detector, and a {@link MeterBinder}, bound to
 * one or more registries:
 *
 * <pre>{@code
 * FramewiseMetrics metrics = new FramewiseMetrics(Tags.of("app", "uploads"));
 * metrics.bindTo(registry);
 * VideoDetector detector = VideoDetector.builder().addObserver(metrics).build();
 * }</pre>
 *
 * <h2>Meters</h2>
 * <table>
 *   <caption>Meters, each with the tags given to the constructor</caption>
 *   <tr><th>name</th><th>type</th><th>what</th></tr>
 *   <tr><td>{@code framewise.frames.processed}</td><td>counter</td><td>frames the model ran on, as jobs
 *     go (about twice a second) and exactly {@link DetectionSummary#framesProcessed()} in all once a job ends</td></tr>
 *   <tr><td>{@code framewise.frames.failed}</td><td>counter</td><td>frames that failed to decode or to
 *     process ({@link DetectionSummary#framesFailed()}), counted when a job ends</td></tr>
 *   <tr><td>{@code framewise.frames.rate}</td><td>gauge</td><td>frames per second of the jobs running
 *     now, summed (each job's {@link Progress#fps()}); 0 when none runs</td></tr>
 *   <tr><td>{@code framewise.job.fps}</td><td>distribution summary</td><td>each ended job's average speed:
 *     frames covered ({@link DetectionSummary#framesDecoded()}) per second of its duration</td></tr>
 *   <tr><td>{@code framewise.jobs.active}</td><td>gauge</td><td>jobs running now</td></tr>
 *   <tr><td>{@code framewise.job.duration}</td><td>timer, tag {@code outcome}</td><td>each job's
 *     duration, from its terminal call to its end; {@code outcome} is {@code complete}, {@code incomplete}
 *     (it ended with a summary that is not complete: damaged frames, a stream error), {@code failed}
 *     (it threw, a timeout included) or {@code cancelled}</td></tr>
 *   <tr><td>{@code framewise.jobs.failed}</td><td>counter, tag {@code code}</td><td>jobs that threw,
 *     by the {@code FW-} code of the {@link VideoDetectorException} ({@code FW-701} for a timeout;
 *     {@code none} for another exception); cancelled jobs are not counted</td></tr>
 * </table>
 *
 * <p>Jobs that end before {@link #bindTo} is called are counted nowhere. The tag values are bounded
 * (outcomes and error codes), never a file name or a job id.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: a detector calls it from the threads of all its jobs at once. It keeps one small entry
 * per running job, never anything per frame.
 *
 * @since 0.3
 */
public final class FramewiseMetrics implements MeterBinder, JobObserver {

  private final Tags tags;
  private final List<Bound> registries = new CopyOnWriteArrayList<>();
  private final Map<Long, Running> running = new ConcurrentHashMap<>();

  /** Metrics without extra tags. */
  public FramewiseMetrics() {
    this(Tags.empty());
  }

  /**
   * Metrics with these tags on every meter (for example the application or the detector's role).
   *
   * @param tags the tags
   */
  public FramewiseMetrics(Iterable<Tag> tags) {
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    Counter processed = Counter.builder("framewise.frames.processed").tags(tags).baseUnit("frames")
        .description("Frames the model ran on").register(registry);
    Counter failed = Counter.builder("framewise.frames.failed").tags(tags).baseUnit("frames")
        .description("Frames that failed to decode or to process").register(registry);
    DistributionSummary jobFps = DistributionSummary.builder("framewise.job.fps").tags(tags).baseUnit("frames/s")
        .description("Average speed of each ended job: frames covered per second").register(registry);
    Gauge.builder("framewise.frames.rate", this, FramewiseMetrics::currentRate).tags(tags).baseUnit("frames/s")
        .description("Frames per second of the jobs running now, summed").register(registry);
    Gauge.builder("framewise.jobs.active", running, Map::size).tags(tags).baseUnit("jobs")
        .description("Jobs running now").register(registry);
    registries.add(new Bound(registry, processed, failed, jobFps));
  }

  private double currentRate() {
    double sum = 0;
    for (Running r : running.values()) {
      sum += r.fps;
    }
    return sum;
  }

  @Override
  public void jobStarted(Job job, VideoInfo video, ModelInfo model) {
    running.computeIfAbsent(job.id(), id -> new Running());
  }

  @Override
  public void jobProgress(Job job, Progress progress) {
    Running r = running.computeIfAbsent(job.id(), id -> new Running());
    r.fps = progress.fps();
    countProcessed(r, progress.framesProcessed());
  }

  @Override
  public void jobFinished(Job job, DetectionSummary summary, Duration duration) {
    Running r = running.remove(job.id());
    if (r == null) {
      r = new Running();
    }
    countProcessed(r, summary.framesProcessed());
    String outcome = summary.complete() ? "complete" : "incomplete";
    double seconds = duration.toNanos() / 1e9;
    for (Bound b : registries) {
      if (summary.framesFailed() > 0) {
        b.framesFailed.increment(summary.framesFailed());
      }
      if (seconds > 0) {
        b.jobFps.record(summary.framesDecoded() / seconds);
      }
      timer(b.registry, outcome).record(duration);
    }
  }

  @Override
  public void jobFailed(Job job, Throwable failure, Duration duration) {
    running.remove(job.id());
    boolean cancelled = failure instanceof JobCancelledException && !(failure instanceof JobTimeoutException);
    String code = failure instanceof VideoDetectorException e ? e.code() : "none";
    for (Bound b : registries) {
      timer(b.registry, cancelled ? "cancelled" : "failed").record(duration);
      if (!cancelled) {
        Counter.builder("framewise.jobs.failed").tags(tags).tag("code", code).baseUnit("jobs")
            .description("Jobs that ended with an exception, by error code").register(b.registry).increment();
      }
    }
  }

  /** Adds what a job processed since it was last counted; a job's calls come one at a time. */
  private void countProcessed(Running r, long processedSoFar) {
    long delta = processedSoFar - r.counted;
    if (delta > 0) {
      r.counted = processedSoFar;
      for (Bound b : registries) {
        b.framesProcessed.increment(delta);
      }
    }
  }

  private Timer timer(MeterRegistry registry, String outcome) {
    return Timer.builder("framewise.job.duration").tags(tags).tag("outcome", outcome)
        .description("Duration of each job, from its terminal call to its end").register(registry);
  }

  /** The meters of one registry that are not looked up by tag. */
  private record Bound(MeterRegistry registry, Counter framesProcessed, Counter framesFailed, DistributionSummary jobFps) {}

  /** What is known of a running job. Written by the job's calls, which come one at a time. */
  private static final class Running {
    volatile double fps;
    volatile long counted;
  }
}
