package io.framewise.core.merge;

import io.framewise.DetectionSummary;
import io.framewise.ModelInfo;
import io.framewise.VideoInfo;
import io.framewise.core.pipeline.ErrorLog;
import io.framewise.core.run.LocalRun;
import io.framewise.core.store.ResultKey;
import io.framewise.core.store.ResultStore;
import io.framewise.core.store.SegmentResult;
import io.framewise.core.store.SpillFile;
import io.framewise.core.task.JobPlan;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Writes one job's document from its parts and ends it with the job's summary: the one place where a
 * job's results are glued in frame order and accounted for, used by the unchunked run (frames written
 * as they are decoded, counted with {@link #streamed}), the local chunked run and a distributed
 * coordinator (results replayed from a {@link ResultStore} in segment order).
 *
 * <p>Incremental: {@link #offer} accepts results in any order and writes the contiguous prefix of
 * stored results; {@link #merge} takes the next one. It holds only counters, the bounded error log and
 * the next segment's number, nothing that grows with segments or frames: results ahead of the prefix
 * stay in the store until their turn.
 *
 * <p>A segment that met damage ({@link SegmentResult#clean()} false, except in keyframes-only jobs) is
 * not written: from its first frame on, the stream must be decoded whole, as an unchunked run does
 * ({@link #tailFrom()}; run {@link JobPlan#tail} and give its result to {@link #mergeTail}). A segment
 * that failed for good is {@linkplain #lost lost}: its frames are failed frames, with an FW-108 error.
 * {@link #finish} makes the summary (FW-105 when no frame decoded, the FW-106 truncation check against
 * the container's declared count), ends the document and logs the job's line.
 *
 * <p>Not thread-safe: one thread merges.
 */
public final class SegmentMerger {

  private final Path video;
  private final VideoInfo info;
  private final ResultWriter writer;
  private final @Nullable JobPlan plan;
  private final @Nullable ResultStore store;
  private final boolean keyframesOnly;
  private final boolean deleteMerged;
  private final ErrorLog errors = new ErrorLog();
  private long frames;
  private long processed;
  private long failed;
  private long detections;
  private int segmentsLost;
  private int next;
  private long tailFrom = -1;
  private boolean tailMerged;
  private boolean finished;

  private SegmentMerger(Path video, VideoInfo info, ResultWriter writer, @Nullable JobPlan plan, @Nullable ResultStore store,
      boolean keyframesOnly, boolean deleteMerged) {
    this.video = video;
    this.info = info;
    this.writer = writer;
    this.plan = plan;
    this.store = store;
    this.keyframesOnly = keyframesOnly;
    this.deleteMerged = deleteMerged;
  }

  /**
   * A merger for a chunked job whose results are in {@code store}. When the index pass met damage
   * (and the job is not keyframes-only), {@link #tailFrom()} is 0 from the start: run only the tail task.
   *
   * @param plan the job
   * @param writer the document
   * @param store where its results are
   * @param deleteMerged remove each result from the store once written (a run's own spill directory)
   * @return the merger
   */
  public static SegmentMerger of(JobPlan plan, ResultWriter writer, ResultStore store, boolean deleteMerged) {
    SegmentMerger m = new SegmentMerger(plan.video(), plan.index().info(), writer, plan, Objects.requireNonNull(store, "store"),
        plan.config().options().keyframesOnly(), deleteMerged);
    if (plan.index().damaged() && !m.keyframesOnly) {
      m.tailFrom = 0; // the index pass met damage: no segment can be trusted, the whole stream is decoded
    }
    return m;
  }

  /**
   * A merger for an unchunked run, which writes its frames to {@code writer} itself and reports its
   * counts with {@link #streamed}.
   *
   * @param video the input, for messages
   * @param info the stream
   * @param writer the document
   * @return the merger
   */
  public static SegmentMerger unchunked(Path video, VideoInfo info, ResultWriter writer) {
    return new SegmentMerger(video, info, writer, null, null, false, false);
  }

  /**
   * Begins the document.
   *
   * @param model the model, as the probe loaded it
   * @throws IOException if the output cannot be written
   */
  public void begin(ModelInfo model) throws IOException {
    writer.begin(info, model);
  }

  /** @return the number of the next segment to merge (every segment before it is written or lost) */
  public int next() {
    return next;
  }

  /** @return the first frame from which the stream must be decoded whole, or -1 while no segment met damage */
  public long tailFrom() {
    return tailFrom;
  }

  /** @return whether every segment (or the tail) is written, so {@link #finish} may end the document */
  public boolean done() {
    return tailFrom >= 0 ? tailMerged : plan == null || next == plan.segmentCount();
  }

  /**
   * Frames accounted for so far (decoded or failed), for progress.
   *
   * @return the count
   */
  public long frames() {
    return frames;
  }

  /**
   * Writes the next segment's stored result, unless it met damage.
   *
   * @param result what the result says about itself (from the runner, or {@link ResultStore#check}); its
   *     segment must be {@link #next()}
   * @return true when written (the job goes on), false when it met damage: {@link #tailFrom()} then says
   *     where the whole-stream decode starts, and no further segment is merged
   * @throws IOException if the result cannot be read or the output written
   */
  public boolean merge(SegmentResult result) throws IOException {
    JobPlan p = requirePlan();
    int segment = result.key().segment();
    if (tailFrom >= 0 || segment != next || segment >= p.segmentCount()) {
      throw new IllegalStateException("segment " + segment + " offered, " + (tailFrom >= 0 ? "the tail" : "segment " + next) + " expected");
    }
    if (!keyframesOnly && !result.clean()) {
      tailFrom = result.key().firstFrameId();
      return false;
    }
    ResultKey key = key(segment);
    SegmentResult read = Objects.requireNonNull(store).replay(key, writer::frame);
    account(read);
    if (deleteMerged) {
      store.delete(key);
    }
    next++;
    return true;
  }

  /**
   * Offers a result in any order: when it is the next one, it is merged with every stored result that
   * follows it (asked of the store); otherwise it waits in the store.
   *
   * @param result a stored result of this job
   * @return false when a segment met damage (see {@link #merge}), else true
   * @throws IOException if a result cannot be read or the output written
   */
  public boolean offer(SegmentResult result) throws IOException {
    JobPlan p = requirePlan();
    if (tailFrom >= 0) {
      return false;
    }
    if (result.key().segment() != next) {
      return true; // its turn comes when the prefix reaches it: the store keeps it until then
    }
    if (!merge(result)) {
      return false;
    }
    ResultStore s = Objects.requireNonNull(store);
    while (next < p.segmentCount() && s.contains(key(next))) {
      SegmentResult r;
      try {
        r = s.check(key(next));
      } catch (SpillFile.DamagedException e) {
        return true; // not sound: its task runs again
      }
      if (r == null || !merge(r)) {
        return r == null;
      }
    }
    return true;
  }

  /**
   * Records that the next segment met damaged data without a result to show it (its decoding failed on
   * the input, or the index itself met damage: then segment 0): the stream must be decoded whole from
   * the segment's first frame ({@link #tailFrom()}).
   *
   * @param segment its number (must be {@link #next()})
   */
  public void damaged(int segment) {
    JobPlan p = requirePlan();
    if (tailFrom >= 0 || segment != next || segment > p.segmentCount() || segment == p.segmentCount() && segment > 0) {
      throw new IllegalStateException("segment " + segment + " damaged, segment " + next + " expected");
    }
    tailFrom = p.segmentCount() == 0 ? 0 : p.index().segments().get(segment).firstFrameId();
  }

  /**
   * Records that the next segment failed for good: its frames are failed frames, with an FW-108 error.
   *
   * @param segment its number (must be {@link #next()})
   * @param why what failed, on one line (attempts, last failure)
   */
  public void lost(int segment, String why) {
    JobPlan p = requirePlan();
    if (tailFrom >= 0 || segment != next) {
      throw new IllegalStateException("segment " + segment + " lost, segment " + next + " expected");
    }
    VideoIndex.Segment s = p.index().segments().get(segment);
    long n = keyframesOnly ? s.gopFrames().length : s.frameCount();
    frames += n;
    failed += n;
    segmentsLost++;
    errors.add("FW-108", "frames " + s.firstFrameId() + ".." + s.lastFrameId() + " (segment " + s.index() + ") failed after " + why,
        s.firstFrameId(), null);
    next++;
  }

  /**
   * Writes the stored result of the tail task ({@link JobPlan#tail}(tailFrom())).
   *
   * @param result what the tail's result says about itself
   * @throws IOException if it cannot be read or the output written
   */
  public void mergeTail(SegmentResult result) throws IOException {
    JobPlan p = requirePlan();
    if (tailFrom < 0 || tailMerged || result.key().segment() != p.segmentCount() || result.key().firstFrameId() != tailFrom) {
      throw new IllegalStateException("no tail from frame " + result.key().firstFrameId() + " expected");
    }
    ResultKey key = result.key();
    SegmentResult read = Objects.requireNonNull(store).replay(key, writer::frame);
    account(read);
    if (deleteMerged) {
      store.delete(key);
    }
    tailMerged = true;
  }

  /**
   * Adds the counts of frames an unchunked run wrote itself.
   *
   * @param decoded frames decoded
   * @param failedFrames frames that failed to decode
   * @param processedFrames frames the model ran on
   * @param detectionCount detections written
   */
  public void streamed(long decoded, long failedFrames, long processedFrames, long detectionCount) {
    frames += decoded + failedFrames;
    failed += failedFrames;
    processed += processedFrames;
    detections += detectionCount;
  }

  /**
   * The job's error log: errors met outside any result (an unchunked run's frames, a differing duplicate
   * result) go here, in the order they happened.
   *
   * @return the log
   */
  public ErrorLog errors() {
    return errors;
  }

  /**
   * Records an error met on the way (for example a differing duplicate result, FW-824).
   *
   * @param code the FW code
   * @param message what happened
   * @param frameId the frame it concerns, or null
   */
  public void error(String code, String message, @Nullable Long frameId) {
    errors.add(code, message, frameId, null);
  }

  /**
   * Makes the job's summary, ends the document with it and logs the job's line.
   *
   * @param startedNanos when the job started ({@link System#nanoTime()}), for the log line
   * @return the summary
   * @throws io.framewise.CorruptMediaException FW-105 when no frame decoded
   * @throws IOException if the output cannot be written
   */
  public DetectionSummary finish(long startedNanos) throws IOException {
    if (finished) {
      throw new IllegalStateException("already finished");
    }
    finished = true;
    // every segment lost to failures (FW-108, in errors): incomplete, not "no frame could be decoded"
    DetectionSummary summary = keyframesOnly || (segmentsLost > 0 && frames == failed)
        ? new DetectionSummary(frames, processed, failed, detections, failed == 0 && errors.isEmpty(), errors.snapshot())
        : LocalRun.summarize(video, info, frames - failed, failed, processed, detections, errors);
    writer.end(summary);
    LocalRun.logSummary(video, summary, startedNanos);
    return summary;
  }

  private void account(SegmentResult r) {
    frames += r.decoded();
    processed += r.processed();
    failed += r.failed();
    detections += r.detections();
    errors.addAll(r.errors());
  }

  private ResultKey key(int segment) {
    return requirePlan().task(segment).key();
  }

  private JobPlan requirePlan() {
    if (plan == null) {
      throw new IllegalStateException("an unchunked run's merger holds no segments");
    }
    return plan;
  }
}
