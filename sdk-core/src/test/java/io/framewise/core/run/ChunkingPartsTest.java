package io.framewise.core.run;

import io.framewise.BoundingBox;
import io.framewise.DataSize;
import io.framewise.Detection;
import io.framewise.FrameDetections;
import io.framewise.JobError;
import io.framewise.ModelFormat;
import io.framewise.ModelInfo;
import io.framewise.ResourceLimitException;
import io.framewise.VideoInfo;
import io.framewise.core.ffmpeg.FfmpegIndexer;
import io.framewise.core.plan.Budget;
import io.framewise.core.store.SpillFile;
import io.framewise.spi.PipelineOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pieces of the chunked pipeline on their own: sizes, GOP lookup, spill files, the budget. */
class ChunkingPartsTest {

  @TempDir Path dir;

  @Test
  void dataSize_parsesBinaryUnits() {
    assertThat(DataSize.parse("512MiB").bytes()).isEqualTo(512L << 20);
    assertThat(DataSize.parse("4GiB")).isEqualTo(DataSize.ofGibibytes(4));
    assertThat(DataSize.parse("64k").bytes()).isEqualTo(64L << 10);
    assertThat(DataSize.parse("1000").bytes()).isEqualTo(1000);
    assertThat(DataSize.parse(" 2 GB ").bytes()).isEqualTo(2L << 30);
    assertThat(DataSize.ofMebibytes(512).toString()).isEqualTo("512MiB");
    assertThat(DataSize.ofBytes(1500).toString()).isEqualTo("1500B");
    assertThatThrownBy(() -> DataSize.parse("banana")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("banana");
    assertThatThrownBy(() -> DataSize.parse("9999999999TiB")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void gopOf_findsTheLastKeyFrameAtOrBefore() {
    long[] keys = {0, 12, 24, 36};
    assertThat(FfmpegIndexer.gopOf(keys, 4, -3)).isZero(); // leading frames count in the first group
    assertThat(FfmpegIndexer.gopOf(keys, 4, 0)).isZero();
    assertThat(FfmpegIndexer.gopOf(keys, 4, 11)).isZero();
    assertThat(FfmpegIndexer.gopOf(keys, 4, 12)).isEqualTo(1);
    assertThat(FfmpegIndexer.gopOf(keys, 4, 35)).isEqualTo(2);
    assertThat(FfmpegIndexer.gopOf(keys, 4, 1000)).isEqualTo(3);
  }

  @Test
  void spillFile_roundTripsFramesAndTrailer() throws IOException {
    Path file = dir.resolve("s.fws");
    List<FrameDetections> frames = List.of(
        new FrameDetections(10, 333.333, List.of(new Detection(2, "blue", 0.75, new BoundingBox(1.5, 2, 30.25, 40)))),
        new FrameDetections(11, 366.667, List.of()));
    List<JobError> errors = List.of(new JobError("FW-105", "packet failed", null, 400.0), new JobError("FW-107", "count", 10L, null));
    SpillFile.Header header = new SpillFile.Header("ab".repeat(32), 1, 10, 2);
    try (SpillFile.Writer w = new SpillFile.Writer(file, header)) {
      for (FrameDetections f : frames) {
        w.frame(f);
      }
      assertThat(file).doesNotExist(); // only the temporary file until committed
      w.commit(new SpillFile.Trailer(3, 2, 1, 1, errors));
    }
    List<FrameDetections> back = new ArrayList<>();
    SpillFile.Trailer t = SpillFile.replay(file, header, back::add);
    assertThat(back).isEqualTo(frames);
    assertThat(t).isEqualTo(new SpillFile.Trailer(3, 2, 1, 1, errors));
    assertThat(SpillFile.check(file, header)).isNull();
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 5));
    assertThat(SpillFile.check(file, header)).isNotNull();
  }

  @Test
  void spillFile_notCommitted_leavesNothing() throws IOException {
    Path file = dir.resolve("gone.fws");
    try (SpillFile.Writer w = new SpillFile.Writer(file, new SpillFile.Header("ab".repeat(32), 0, 0, 1))) {
      w.frame(new FrameDetections(0, 0, List.of()));
    }
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void budget_derivesParallelismAndBatch_orFailsNamingTheFix() {
    VideoInfo hd = new VideoInfo("hd.mp4", 1920, 1080, 25, "h264", 0, 0);
    ModelInfo model = new ModelInfo("m", ModelFormat.YOLOV8, 640, 640, List.of());
    PipelineOptions roomy = new PipelineOptions(0, null, DataSize.ofGibibytes(2), 0, 0, 1, false, null);
    Budget b = Budget.plan(Path.of("hd.mp4"), hd, model, roomy, 32, true);
    assertThat(b.parallelism()).isBetween(1, Runtime.getRuntime().availableProcessors());
    assertThat(b.batch()).isEqualTo(4);
    assertThat(b.window()).isEqualTo(2 * b.parallelism());

    PipelineOptions tight = new PipelineOptions(0, null, DataSize.ofMebibytes(300), 0, 16, 1, false, null);
    assertThatThrownBy(() -> Budget.plan(Path.of("hd.mp4"), hd, model, tight, 32, true))
        .isInstanceOf(ResourceLimitException.class)
        .hasMessageContaining("maxHeap is 300MiB")
        .hasMessageContaining("lower batchSize/parallelism");

    PipelineOptions derivedBatch = new PipelineOptions(0, null, DataSize.ofMebibytes(300), 0, 0, 1, false, null);
    Budget fitted = Budget.plan(Path.of("hd.mp4"), hd, model, derivedBatch, 32, true);
    assertThat(fitted.parallelism() * fitted.perWorkerBytes() + Budget.FIXED_BYTES).isLessThanOrEqualTo(300L << 20);
  }

  @Test
  void budget_unchunkedRun_lowersDerivedInferenceThreads_toFit_butHonoursParallelismOne() {
    VideoInfo hd = new VideoInfo("hd.mp4", 1920, 1080, 25, "h264", 0, 0);
    ModelInfo model = new ModelInfo("m", ModelFormat.YOLOV8, 640, 640, List.of());
    int planned = Math.min(Runtime.getRuntime().availableProcessors(), Budget.MAX_STREAM_WORKERS);

    Budget roomy = Budget.plan(Path.of("hd.mp4"), hd, model, new PipelineOptions(0, null, DataSize.ofGibibytes(2), 0, 1, 1, false, null), 1, false);
    assertThat(roomy.parallelism()).isEqualTo(planned);
    assertThat(roomy.perWorkerBytes()).isEqualTo(Budget.stream(hd, model, 1, planned));

    // room for one inference thread only: derived threads are lowered, the job still runs
    long oneThread = Budget.FIXED_BYTES + Budget.stream(hd, model, 1, 1);
    Budget tight = Budget.plan(Path.of("hd.mp4"), hd, model,
        new PipelineOptions(0, null, DataSize.ofBytes(oneThread + (1 << 20)), 0, 1, 1, false, null), 1, false);
    assertThat(tight.parallelism()).isEqualTo(1);

    Budget explicitOne = Budget.plan(Path.of("hd.mp4"), hd, model, new PipelineOptions(0, null, DataSize.ofGibibytes(2), 1, 1, 1, false, null),
        1, false);
    assertThat(explicitOne.parallelism()).isEqualTo(1);

    assertThatThrownBy(() -> Budget.plan(Path.of("hd.mp4"), hd, model,
        new PipelineOptions(0, null, DataSize.ofBytes(oneThread - (1 << 20)), 0, 1, 1, false, null), 1, false))
        .isInstanceOf(ResourceLimitException.class)
        .hasMessageContaining("FW-300")
        .hasMessageContaining("raise maxHeap");
  }
}
