package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.core.JsonResultWriterProvider;
import io.framewise.core.merge.SegmentMerger;
import io.framewise.core.store.DirectoryResultStore;
import io.framewise.core.store.SegmentResult;
import io.framewise.core.task.InputCheck;
import io.framewise.core.task.JobPlan;
import io.framewise.core.task.JobPlanner;
import io.framewise.core.task.SegmentRunner;
import io.framewise.core.task.SegmentTask;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.JobConfig;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.ResultWriter;
import io.framewise.testkit.HostileMedia;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 §1 with real FFmpeg and real ONNX Runtime sessions: a job's segment tasks, encoded, run one
 * by one by fresh runners (each with only the task's bytes and its own providers, as remote workers
 * run them) and merged from a shared store in reverse order, write the bytes of {@code detect}
 * unchunked and chunked: on the real clip with yolox_nano, and on damaged input (through the tail task).
 */
class DistributedTasksTest {

  @TempDir Path dir;

  private static byte[] detect(Path video, Path model, UnaryOperator<io.framewise.DetectionJob> options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    options.apply(VideoDetector.open(video).model(model).confidence(0.5)).writeJson(out);
    return out.toByteArray();
  }

  private record Distributed(byte[] json, DetectionSummary summary, int segments, boolean tail) {}

  private Distributed distributed(Path video, Path model, Duration chunk, int stride) throws IOException {
    JobConfig config = new JobConfig(video, ModelSpec.of(model), new DetectionParams(0.5, DetectionParams.DEFAULTS.iou()),
        new FfmpegDecoderProvider(), new OnnxModelAdapterProvider(), null, new PipelineOptions(0, chunk, null, 2, 0, stride, false, null));
    JobPlan plan = JobPlanner.plan(config);
    Path storeDir = dir.resolve("store");
    List<byte[]> wire = new ArrayList<>();
    plan.tasks().forEach(t -> wire.add(t.encode()));
    List<SegmentResult> results = new ArrayList<>();
    for (byte[] task : wire) {
      results.add(worker(storeDir, video.getParent()).run(SegmentTask.decode(task)));
    }
    Collections.reverse(results);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean tail = false;
    DetectionSummary summary;
    try (ResultWriter w = new JsonResultWriterProvider().open(out)) {
      SegmentMerger merger = SegmentMerger.of(plan, w, DirectoryResultStore.shared(storeDir), true);
      merger.begin(plan.modelInfo());
      for (SegmentResult r : results) {
        if (!merger.offer(r)) {
          break;
        }
      }
      if (merger.tailFrom() >= 0) {
        tail = true;
        merger.mergeTail(worker(storeDir, video.getParent()).run(SegmentTask.decode(plan.tail(merger.tailFrom()).encode())));
      }
      assertThat(merger.done()).isTrue();
      summary = merger.finish(System.nanoTime());
    }
    return new Distributed(out.toByteArray(), summary, plan.segmentCount(), tail);
  }

  private static SegmentRunner worker(Path storeDir, Path inputs) {
    return new SegmentRunner(new SegmentRunner.Environment(new FfmpegDecoderProvider(), new OnnxModelAdapterProvider(),
        InputCheck.localFilesUnder(inputs), null, 1, SegmentRunner.Models.opening(1)), DirectoryResultStore.shared(storeDir));
  }

  @Test
  void realClip_yoloxNano_tasksOnFreshWorkers_writeTheBytesOfDetect() throws IOException {
    Path video = TestData.file("videos/one-by-one-person-detection.mp4");
    Path model = TestData.file("models/yolox_nano.onnx");
    // every 3rd frame through the model (all 1394 decoded): the same check at a third of the inference time
    byte[] unchunked = detect(video, model, j -> j.frameStride(3));
    byte[] chunked = detect(video, model, j -> j.frameStride(3).chunkSize(Duration.ofSeconds(10)).parallelism(2));
    Distributed d = distributed(video, model, Duration.ofSeconds(10), 3);
    assertThat(d.segments()).isGreaterThan(3);
    assertThat(d.tail()).isFalse();
    assertThat(d.summary().framesDecoded()).isEqualTo(1394);
    assertThat(d.summary().detections()).isPositive();
    assertThat(d.json()).isEqualTo(chunked).isEqualTo(unchunked);
    try (var files = Files.list(dir.resolve("store"))) {
      assertThat(files.toList()).singleElement().satisfies(jobDir -> {
        try (var left = Files.list(jobDir)) {
          assertThat(left.toList()).as("merged results removed (deleteMerged)").isEmpty();
        }
      });
    }
  }

  @Test
  void damagedInput_syntheticModel_theTailTaskReproducesDetect() throws IOException {
    Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(64, 64).cell(16).build().write(dir.resolve("tiny.onnx"));
    // a stretch in the middle of the media data corrupted: the container still delivers every packet
    Path broken = HostileMedia.corruptedMidStream(dir);
    byte[] unchunked = detect(broken, model, j -> j);
    byte[] chunked = detect(broken, model, j -> j.chunkSize(Duration.ofSeconds(1)).parallelism(2));
    Distributed d = distributed(broken, model, Duration.ofSeconds(1), 1);
    assertThat(d.tail()).as("a segment met damage: the stream's tail is decoded whole").isTrue();
    assertThat(d.json()).isEqualTo(unchunked).isEqualTo(chunked);
  }
}
