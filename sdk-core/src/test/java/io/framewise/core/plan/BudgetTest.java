package io.framewise.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.DataSize;
import io.framewise.ModelFormat;
import io.framewise.ModelInfo;
import io.framewise.ResourceLimitException;
import io.framewise.VideoInfo;
import io.framewise.spi.PipelineOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The structure of the memory estimate (issue 8, section 7): the model is counted, frame buffers
 * follow the frame size realistically, and a job that cannot fit is refused with FW-300 saying what
 * to lower. How close the estimate is to measured RSS is the benchmarks' budget-table, not a test.
 */
class BudgetTest {

  private static final Path VIDEO = Path.of("clip.mp4");
  private static final VideoInfo HD = new VideoInfo("clip.mp4", 1920, 1080, 25, "h264", 0, 0);
  private static final ModelInfo MODEL = new ModelInfo("big", ModelFormat.YOLOV8, 640, 640, List.of());
  private static final long MIB = 1 << 20;

  private static PipelineOptions options(DataSize maxHeap, int parallelism, int batch) {
    return new PipelineOptions(0, null, maxHeap, parallelism, batch, 1, false, null);
  }

  /** A model that takes twice its loaded size while loading, as ONNX Runtime does. */
  private static Budget.ModelCost cost(long loaded, long workingPerFrame, int maxBatch) {
    long[] working = new long[maxBatch + 1];
    for (int b = 1; b <= maxBatch; b++) {
      working[b] = b * workingPerFrame;
    }
    return new Budget.ModelCost(2 * loaded, loaded, working);
  }

  @Test
  void loadedModel_isCountedOnce_andTheLoadingPeakWhenItIsHigher() {
    PipelineOptions o = options(DataSize.ofGibibytes(8), 2, 1);
    Budget without = Budget.plan(VIDEO, HD, MODEL, cost(0, 30 * MIB, 1), o, 1, false, 2, Integer.MAX_VALUE);
    Budget with = Budget.plan(VIDEO, HD, MODEL, cost(100 * MIB, 30 * MIB, 1), o, 1, false, 2, Integer.MAX_VALUE);
    // running (loaded model + workers) is above the loading peak: the loaded model adds its size, once
    assertThat(with.estimateBytes() - without.estimateBytes()).isEqualTo(100 * MIB);
    Budget segmented = Budget.plan(VIDEO, HD, MODEL, cost(100 * MIB, 30 * MIB, 1), o, 1, true, 2, 10);
    assertThat(segmented.estimateBytes()).isEqualTo(Budget.FIXED_BYTES + 100 * MIB + 2 * segmented.perWorkerBytes());
    // a big model: loading (parsed file and weights together) is the peak, before any frame exists
    Budget big = Budget.plan(VIDEO, HD, MODEL, cost(1000 * MIB, 30 * MIB, 1), o, 1, false, 2, Integer.MAX_VALUE);
    assertThat(big.estimateBytes()).isEqualTo(Budget.FIXED_BYTES + 2000 * MIB);
  }

  @Test
  void sampleTable_countedOncePerJob_whateverTheWorkers() {
    VideoInfo longMp4 = new VideoInfo("long.mp4", 160, 120, 30, "h264", 0, 4_201_200);
    VideoInfo shortMp4 = new VideoInfo("long.mp4", 160, 120, 30, "h264", 0, 300_600);
    Budget.ModelCost c = cost(10 * MIB, 50 * MIB, 1); // running (model and workers) above loading
    PipelineOptions one = options(DataSize.ofGibibytes(8), 1, 1);
    PipelineOptions two = options(DataSize.ofGibibytes(8), 2, 1);
    long table = 4_201_200L * Budget.SAMPLE_TABLE_BYTES_PER_FRAME;
    Budget long1 = Budget.plan(VIDEO, longMp4, MODEL, c, one, 1, true, 1, 2334);
    Budget long2 = Budget.plan(VIDEO, longMp4, MODEL, c, two, 1, true, 2, 2334);
    Budget short2 = Budget.plan(VIDEO, shortMp4, MODEL, c, two, 1, true, 2, 167);
    // the workers share one open container: a second worker adds its decoder, not a second table
    assertThat(long2.perWorkerBytes()).isLessThan(56 * MIB); // decoder and 50 MiB of working memory
    assertThat(long2.estimateBytes()).isEqualTo(Budget.FIXED_BYTES + 10 * MIB + 2 * long2.perWorkerBytes() + table);
    assertThat(long1.estimateBytes()).isEqualTo(Budget.FIXED_BYTES + 10 * MIB + long1.perWorkerBytes() + table);
    assertThat(long2.estimateBytes() - short2.estimateBytes()).isEqualTo((4_201_200L - 300_600) * Budget.SAMPLE_TABLE_BYTES_PER_FRAME);
    // an MP4 whose container cannot be shared: one table per worker
    Budget unshared = Budget.plan(VIDEO, longMp4, MODEL, c, two, 1, true, 2, 2334, false);
    assertThat(unshared.estimateBytes() - long2.estimateBytes()).isEqualTo(table);
    assertThatThrownBy(() -> Budget.plan(VIDEO, longMp4, MODEL, c, options(DataSize.ofGibibytes(1), 2, 1), 1, true, 2, 2334, false))
        .isInstanceOf(ResourceLimitException.class)
        .hasMessageContaining("one per worker: the container cannot be shared");
    // an unchunked job holds its one container too
    assertThat(Budget.stream(longMp4, c, 1, 1) - Budget.stream(shortMp4, c, 1, 1)).isEqualTo((4_201_200L - 300_600) * 128);
    // 4.2 million frames fit the CLI's default 1 GiB with two workers (they were refused: 192 bytes a frame per worker)
    Budget fits = Budget.plan(VIDEO, longMp4, MODEL, c, options(DataSize.ofGibibytes(1), 2, 1), 1, true, 2, 2334);
    assertThat(fits.parallelism()).isEqualTo(2);
    // and a budget below the table is refused, naming it
    assertThatThrownBy(() -> Budget.plan(VIDEO, longMp4, MODEL, c, options(DataSize.ofMebibytes(512), 2, 1), 1, true, 2, 2334))
        .isInstanceOf(ResourceLimitException.class)
        .hasMessageContaining("FW-300")
        .hasMessageContaining("for the sample table of 4201200 frames");
  }

  @Test
  void workingMemory_countedPerInferenceThread_andPerBatch() {
    Budget.ModelCost c = cost(10 * MIB, 50 * MIB, 4);
    long one = Budget.stream(HD, c, 1, 1);
    long two = Budget.stream(HD, c, 1, 2);
    long frame = 1920L * 1080 * 3;
    // a second thread: its working memory and the frame copies in flight (2 batches per thread + 2)
    assertThat(two - one).isEqualTo(50 * MIB + 6 * frame);
    assertThat(Budget.stream(HD, c, 4, 1) - one).isEqualTo(3 * 50 * MIB + 4 * frame);
  }

  @Test
  void framesInFlight_twoBatchesPerThread_fewerWhenTheirCopiesAreLarge_neverFewerThanThreads() {
    VideoInfo uhd = new VideoInfo("clip.mp4", 3840, 2160, 25, "h264", 0, 0);
    assertThat(Budget.inFlightBatches(HD, 1, 2)).isEqualTo(4); // 4 x 6 MiB
    assertThat(Budget.inFlightBatches(HD, 4, 2)).isEqualTo(4); // 4 x 24 MiB: under the cap
    assertThat(Budget.inFlightBatches(uhd, 4, 2)).isEqualTo(2); // 99.5 MB a batch: 2 fit in 256 MiB
    assertThat(Budget.inFlightBatches(uhd, 8, 2)).isEqualTo(2); // none fit: one per thread still
    assertThat(Budget.inFlightBatches(uhd, 1, 4)).isEqualTo(8);
    // the estimate counts what the pool may hold: those batches, the one being collected and the one written
    Budget.ModelCost c = cost(10 * MIB, 50 * MIB, 4);
    long frame = 3840L * 2160 * 3;
    assertThat(Budget.stream(uhd, c, 4, 2) - Budget.stream(uhd, c, 4, 1)).isEqualTo(4 * 50 * MIB + (2 + 2) * 4 * frame - 4 * frame);
  }

  @Test
  void hugeModel_tinyBudget_isRefusedBeforeLoading_sayingToRaiseTheBudgetOrUseASmallerModel() {
    // the case: a 500 MB model with maxHeap 256MiB peaked at 1,080 MB RSS and succeeded
    long loading = 1008 * MIB; // what the ONNX provider estimates for loading a 500 MB file
    assertThatThrownBy(() -> Budget.checkModelFits(VIDEO, Path.of("models/big.onnx"), loading, options(DataSize.ofMebibytes(256), 0, 0)))
        .isInstanceOf(ResourceLimitException.class)
        .hasMessageContaining("FW-300")
        .hasMessageContaining("big.onnx")
        .hasMessageContaining("1008MiB")
        .hasMessageContaining("maxHeap is 256MiB")
        .hasMessageContaining("raise maxHeap to at least " + ((Budget.FIXED_BYTES + loading) >> 20) + "MiB")
        .hasMessageContaining("use a smaller model");
    Budget.checkModelFits(VIDEO, Path.of("models/big.onnx"), loading, options(DataSize.ofGibibytes(2), 0, 0)); // fits: no exception
    // and once loaded the plan refuses it too (an adapter whose provider gave no early estimate)
    assertThatThrownBy(() -> Budget.plan(VIDEO, HD, MODEL, cost(loading / 2, 30 * MIB, 1), options(DataSize.ofMebibytes(256), 0, 0), 1, false,
        Budget.streamWorkers(options(DataSize.ofMebibytes(256), 0, 0)), Integer.MAX_VALUE))
        .isInstanceOf(ResourceLimitException.class)
        .hasMessageContaining("FW-300")
        .hasMessageContaining("model big")
        .hasMessageContaining("use a smaller model");
  }

  @Test
  void explicitParallelismAndBatch_thatCannotFit_areRefusedNamingWhatToLower() {
    PipelineOptions o = options(DataSize.ofMebibytes(600), 2, 4);
    assertThatThrownBy(() -> Budget.plan(VIDEO, HD, MODEL, cost(50 * MIB, 60 * MIB, 4), o, 4, true, 2, 10))
        .isInstanceOf(ResourceLimitException.class)
        .hasMessageContaining("FW-300")
        .hasMessageContaining("maxHeap is 600MiB")
        .hasMessageContaining("lower batchSize/parallelism (1 worker at batch 1 needs");
    // derived settings are lowered instead
    Budget fitted = Budget.plan(VIDEO, HD, MODEL, cost(50 * MIB, 60 * MIB, 4), options(DataSize.ofMebibytes(600), 0, 0), 4, true, 2, 10);
    assertThat(fitted.estimateBytes()).isLessThanOrEqualTo(600 * MIB);
  }

  @Test
  void fewerWorkersThanTheModelWasOpenedFor_countASecondSession() {
    Budget.ModelCost c = cost(300 * MIB, 20 * MIB, 1);
    Budget same = Budget.plan(VIDEO, HD, MODEL, c, options(DataSize.ofGibibytes(8), 1, 1), 1, false, 1, Integer.MAX_VALUE);
    Budget other = Budget.plan(VIDEO, HD, MODEL, c, options(DataSize.ofGibibytes(8), 1, 1), 1, false, 2, Integer.MAX_VALUE);
    // a second session, loaded while the first is held: 600 MiB loading + 300 MiB held, against 600 MiB
    assertThat(other.estimateBytes() - same.estimateBytes()).isEqualTo(300 * MIB);
  }

  @Test
  void decoderPictures_followTheCodecsReferenceBufferBound() {
    int threads = 2;
    // 1080p H.264: what common encoders use; 3840x2160: five (level 5.1's bound); 16000x16000 (256 Mpx): one
    assertThat(Budget.pictures("h264", 1920L * 1080, threads)).isEqualTo(Budget.MAX_DPB_PICTURES + threads + 1);
    assertThat(Budget.pictures("hevc", 3840L * 2160, threads)).isEqualTo(5 + threads + 1);
    assertThat(Budget.pictures("h264", 16000L * 16000, threads)).isEqualTo(1 + threads + 1);
    assertThat(Budget.pictures("mpeg4", 1920L * 1080, threads)).isEqualTo(Budget.SHORT_DPB_PICTURES + threads + 1);
  }

  @Test
  void huge16kH264_isEstimatedNearWhatItUses_andRunsInAFewGiB() {
    // the case: a 16000x16000 H.264 was refused as needing 8,159 MiB and ran in 2.2 GB
    VideoInfo huge = new VideoInfo("huge.mp4", 16000, 16000, 25, "h264", 0, 0);
    Budget b = Budget.plan(VIDEO, huge, MODEL, cost(8 * MIB, 60 * MIB, 1), options(DataSize.ofGibibytes(4), 1, 1), 1, false, 1,
        Integer.MAX_VALUE);
    assertThat(b.estimateBytes()).isBetween(1100 * MIB, 4400 * MIB); // within a factor 2 of 2.2 GB
  }
}
