package io.framewise.distributed.coordinator;

import io.framewise.DetectionSummary;
import io.framewise.core.merge.SegmentMerger;
import io.framewise.core.store.ResultKey;
import io.framewise.core.store.ResultStore;
import io.framewise.core.store.SegmentResult;
import io.framewise.core.store.SpillFile;
import io.framewise.core.task.JobPlan;
import io.framewise.core.task.JobPlanner;
import io.framewise.core.task.SegmentTask;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ResultWriter;
import java.io.IOException;

/**
 * A job planned by Framewise's {@link JobPlanner} (the local chunked run's plan: same segments, tasks and
 * fingerprint), its results in a {@link ResultStore}, merged by the {@link SegmentMerger}.
 */
final class StoredJob implements PlannedJob {

  private final JobPlan plan;
  private final ResultStore store;
  private final ResultWriter writer;
  private final SegmentMerger merger;
  private final long started = System.nanoTime();

  StoredJob(JobConfig config, ResultWriter writer, ResultStore store) throws IOException {
    this.plan = JobPlanner.plan(config);
    this.store = store;
    this.writer = writer;
    this.merger = SegmentMerger.of(plan, writer, store, false);
    merger.begin(plan.modelInfo());
  }

  @Override
  public String id() {
    return plan.fingerprint().hex();
  }

  @Override
  public int segments() {
    return plan.segmentCount();
  }

  private SegmentTask taskOf(int segment) {
    return segment < plan.segmentCount() ? plan.task(segment) : plan.tail(merger.tailFrom());
  }

  @Override
  public byte[] task(int segment) {
    return taskOf(segment).encode();
  }

  @Override
  public boolean stored(int segment) throws IOException {
    return store.contains(taskOf(segment).key());
  }

  @Override
  public boolean merge(int segment) throws IOException {
    ResultKey key = taskOf(segment).key();
    SegmentResult r;
    try {
      r = store.check(key);
    } catch (SpillFile.DamagedException e) {
      store.delete(key);
      throw new UnsoundResult("the stored result of segment " + segment + " is damaged (" + e.getMessage() + "); removed", e);
    }
    if (r == null) {
      throw new IOException("the result of segment " + segment + " is gone from " + store);
    }
    if (segment == plan.segmentCount()) {
      merger.mergeTail(r);
      return true;
    }
    return merger.merge(r);
  }

  @Override
  public void lost(int segment, String why) {
    if (segment < plan.segmentCount()) {
      merger.lost(segment, why);
    } else {
      merger.error("FW-108", "frames " + merger.tailFrom() + "..end (decoding the stream whole after damage) failed after " + why,
          merger.tailFrom());
    }
  }

  @Override
  public void error(String code, String message, int segment) {
    merger.error(code, message, taskOf(segment).firstFrameId());
  }

  @Override
  public DetectionSummary finish() throws IOException {
    return merger.finish(started);
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
