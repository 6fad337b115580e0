package io.framewise.distributed.worker;

import io.framewise.ModelException;
import io.framewise.ModelSpec;
import io.framewise.RefusedInputException;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.core.store.DirectoryResultStore;
import io.framewise.core.store.ResultStore;
import io.framewise.core.store.SegmentResult;
import io.framewise.core.store.SpillFile;
import io.framewise.core.task.SegmentRunner;
import io.framewise.core.task.SegmentTask;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.VideoDecoderProvider;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs segment tasks with Framewise's {@link SegmentRunner} into a shared {@link DirectoryResultStore}:
 * the task is decoded (FW-820 when malformed), its input checked against this worker's
 * {@link InputPolicy} (FW-823), its job rebuilt here and compared with the task's (model content:
 * FW-821; input or providers: FW-822); a sound stored result is reported without computing it again;
 * otherwise the segment runs and its result is put if absent (a differing duplicate: FW-824).
 */
public final class SegmentTaskExecutor implements TaskExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(SegmentTaskExecutor.class);

  private final ResultStore store;
  private final InputPolicy policy;
  private final VideoDecoderProvider decoder = new FfmpegDecoderProvider();

  private SegmentTaskExecutor(ResultStore store, InputPolicy policy) {
    this.store = store;
    this.policy = policy;
  }

  /**
   * An executor on a store directory that every instance reaches.
   *
   * @param store the shared result store directory
   * @param policy the inputs this worker may open
   * @return the executor
   */
  public static SegmentTaskExecutor onStore(Path store, InputPolicy policy) {
    return new SegmentTaskExecutor(DirectoryResultStore.shared(store), policy);
  }

  @Override
  public String execute(byte[] bytes, String job, int segment) throws Exception {
    SegmentTask task = SegmentTask.decode(bytes);
    if (!task.job().hex().equals(job) || task.segment() != segment) {
      throw new RefusedInputException("FW-820", null, "segment task refused: " + task.describe()
          + " does not match its record (job " + job + " segment " + segment + ")", null);
    }
    policy.checkModel(task.model().path());
    SegmentRunner runner = new SegmentRunner(new SegmentRunner.Environment(decoder, adapterFor(task.model()), policy, null, 1,
        SegmentRunner.Models.opening(1)), store);
    SegmentRunner.Job here = runner.prepare(task);
    try {
      if (store.check(task.key()) != null) {
        return "already stored";
      }
    } catch (SpillFile.DamagedException e) {
      LOG.warn("{}: the stored result is damaged ({}); computing it again", task.describe(), e.getMessage());
      store.delete(task.key());
    }
    long t0 = System.nanoTime();
    TestHooks.beforeCompute(segment);
    long middle = task.range() == null ? 1 : Math.max(1, (task.keyframesOnly() ? task.range().gopFrames().length : task.range().frameCount()) / 2);
    SegmentResult r = runner.run(task, here, new SegmentRunner.Listener() {
      @Override
      public void frame(long seen) {
        if (seen == middle) {
          TestHooks.midSegment(segment);
        }
      }
    });
    TestHooks.afterStore(segment);
    return "computed and stored (" + r.decoded() + " frames" + (r.clean() ? "" : ", met damage") + ") in "
        + (System.nanoTime() - t0) / 1_000_000 + " ms";
  }

  /** The model adapter the coordinator's job chose: the available one of highest priority that handles the model. */
  static ModelAdapterProvider adapterFor(ModelSpec spec) {
    ModelAdapterProvider best = null;
    for (ModelAdapterProvider p : ServiceLoader.load(ModelAdapterProvider.class)) {
      if (p.isAvailable() && p.supports(spec) && (best == null || p.priority() > best.priority())) {
        best = p;
      }
    }
    if (best == null) {
      throw new ModelException("FW-821", spec.path(), "no model adapter on this worker handles it (add sdk-gpu)", null);
    }
    return best;
  }
}
