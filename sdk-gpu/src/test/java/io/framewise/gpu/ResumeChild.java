package io.framewise.gpu;

import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.VideoFrame;
import io.framewise.Detection;
import io.framewise.ModelInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of {@link ResumeTest}: runs one checkpointed job and writes its JSON to a file, so the
 * test can kill it with SIGKILL part-way and resume the job in another process.
 *
 * <p>Arguments: {@code VIDEO MODEL CHECKPOINT_DIR OUT_FILE}. Exit code 0 when the job finished
 * complete; the frames the model ran on are printed as {@code inferred=N}.
 */
public final class ResumeChild {

  /** The chunk size of every job in {@link ResumeTest}: part of the checkpoint's settings. */
  static final Duration CHUNK = Duration.ofSeconds(2);

  private ResumeChild() {}

  /**
   * Runs the job.
   *
   * @param args video, model, checkpoint directory, output file
   */
  public static void main(String[] args) {
    if (args.length != 4) {
      System.err.println("usage: ResumeChild VIDEO MODEL CHECKPOINT_DIR OUT_FILE");
      System.exit(2);
    }
    CountingProvider counting = new CountingProvider();
    DetectionSummary summary = job(Path.of(args[0]), Path.of(args[1]), counting).checkpointDir(Path.of(args[2]))
        .writeJson(Path.of(args[3]));
    System.out.println("inferred=" + counting.frames() + " complete=" + summary.complete());
    System.exit(summary.complete() ? 0 : 3);
  }

  /**
   * The job both the child and the test run: the same settings, so that their checkpoints match.
   *
   * @param video the video
   * @param model the model
   * @param adapter the model adapter (a {@link CountingProvider}, named like the real one)
   * @return the job, without checkpoint or output
   */
  static DetectionJob job(Path video, Path model, ModelAdapterProvider adapter) {
    return VideoDetector.open(video).model(model).modelAdapter(adapter).chunkSize(CHUNK).parallelism(1);
  }

  /**
   * The real ONNX Runtime adapter, counting the frames it runs the model on. It keeps the real
   * provider's name, which is part of a checkpoint's settings.
   */
  static final class CountingProvider implements ModelAdapterProvider {
    private final ModelAdapterProvider real = new OnnxModelAdapterProvider();
    private final AtomicLong frames = new AtomicLong();

    long frames() {
      return frames.get();
    }

    @Override
    public String name() {
      return real.name();
    }

    @Override
    public boolean supports(ModelSpec spec) {
      return real.supports(spec);
    }

    @Override
    public ModelAdapter open(ModelSpec spec) throws IOException {
      ModelAdapter adapter = real.open(spec);
      return new ModelAdapter() {
        @Override
        public ModelInfo info() {
          return adapter.info();
        }

        @Override
        public List<Detection> detect(VideoFrame frame, DetectionParams params) throws IOException {
          frames.incrementAndGet();
          return adapter.detect(frame, params);
        }

        @Override
        public int maxBatchSize() {
          return adapter.maxBatchSize();
        }

        @Override
        public List<List<Detection>> detectBatch(List<VideoFrame> batch, DetectionParams params) throws IOException {
          frames.addAndGet(batch.size());
          return adapter.detectBatch(batch, params);
        }

        @Override
        public void close() {
          adapter.close();
        }
      };
    }
  }
}
