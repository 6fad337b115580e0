package io.framewise.core.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.DetectionSummary;
import io.framewise.ModelException;
import io.framewise.ModelSpec;
import io.framewise.RefusedInputException;
import io.framewise.core.ColourBlobDetector;
import io.framewise.core.DefaultDetectionEngine;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.core.JsonResultWriterProvider;
import io.framewise.core.merge.SegmentMerger;
import io.framewise.core.store.DirectoryResultStore;
import io.framewise.core.store.ResultStore;
import io.framewise.core.store.SegmentResult;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.JobConfig;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.ResultWriter;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit of work end to end: a job planned here, its tasks encoded, each decoded and run by a fresh
 * {@link SegmentRunner} with nothing but the task's bytes and the worker's own configuration (as a
 * remote worker runs it), the results merged from the store in any order: the bytes are those of the
 * local chunked run and of the unchunked run, also on damaged input (where the merger asks for the
 * stream's tail). A worker whose model content differs, or that may not read the input, refuses.
 */
class RemoteWorkersTest {

  @TempDir static Path dir;
  static Path video;
  static Path damaged;
  static Path model;

  @BeforeAll
  static void setUp() throws IOException {
    SyntheticVideo clip = SyntheticVideo.builder().size(128, 128).objectSize(64).frames(60).frameRate(10).gopSize(10)
        .codec("libopenh264").build();
    video = clip.write(dir.resolve("clip.mp4"));
    byte[] bytes = Files.readAllBytes(video);
    // corrupt a stretch in the middle of the media data: the container still delivers every packet
    Random random = new Random(7);
    int from = bytes.length * 45 / 100;
    for (int k = 0; k < 40; k++) {
      bytes[from + random.nextInt(bytes.length / 10)] ^= (byte) 0xff;
    }
    damaged = Files.write(dir.resolve("broken.mp4"), bytes);
    model = Files.writeString(dir.resolve("blobs.model"), "colour blob detector, version 1");
  }

  static JobConfig config(Path input, @Nullable Duration chunk, int parallelism) {
    return new JobConfig(input, ModelSpec.of(model), new DetectionParams(0.8, 0.45), new FfmpegDecoderProvider(), new ColourBlobDetector(),
        null, new PipelineOptions(0, chunk, null, parallelism, 0, 1, false, null));
  }

  static ResultWriter writer(ByteArrayOutputStream out) throws IOException {
    return new JsonResultWriterProvider().open(out);
  }

  static byte[] engine(JobConfig config) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new DefaultDetectionEngine().run(config, writer(out));
    return out.toByteArray();
  }

  /** A worker: its own providers and store, only the task's bytes from the coordinator. */
  static SegmentRunner worker(ResultStore store, InputCheck inputs) {
    return new SegmentRunner(new SegmentRunner.Environment(new FfmpegDecoderProvider(), new ColourBlobDetector(), inputs, null, 1,
        SegmentRunner.Models.opening(1)), store);
  }

  /** What a distributed run does: plan, tasks through the wire, results merged in the order given. */
  record Distributed(byte[] json, DetectionSummary summary, boolean tail) {}

  static Distributed distributed(JobConfig config, Path storeDir, boolean reversed) throws IOException {
    JobPlan plan = JobPlanner.plan(config);
    DirectoryResultStore store = DirectoryResultStore.shared(storeDir);
    List<byte[]> wire = new ArrayList<>();
    for (SegmentTask t : plan.tasks()) {
      wire.add(t.encode());
    }
    List<SegmentResult> results = new ArrayList<>();
    for (byte[] task : wire) {
      results.add(worker(DirectoryResultStore.shared(storeDir), InputCheck.localFilesUnder(dir)).run(SegmentTask.decode(task)));
    }
    if (reversed) {
      Collections.reverse(results);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean tail = false;
    try (ResultWriter w = writer(out)) {
      SegmentMerger merger = SegmentMerger.of(plan, w, store, false);
      merger.begin(plan.modelInfo());
      for (SegmentResult r : results) {
        if (!merger.offer(r)) {
          break;
        }
      }
      if (merger.tailFrom() >= 0) {
        tail = true;
        SegmentTask t = plan.tail(merger.tailFrom());
        merger.mergeTail(worker(DirectoryResultStore.shared(storeDir), InputCheck.localFilesUnder(dir)).run(SegmentTask.decode(t.encode())));
      }
      assertThat(merger.done()).isTrue();
      DetectionSummary s = merger.finish(System.nanoTime());
      w.close();
      return new Distributed(out.toByteArray(), s, tail);
    }
  }

  @Test
  void tasksRunOneByOneOnFreshWorkers_mergedInAnyOrder_giveTheLocalBytes() throws IOException {
    byte[] unchunked = engine(config(video, null, 1));
    byte[] chunked = engine(config(video, Duration.ofSeconds(1), 2));
    Distributed inOrder = distributed(config(video, Duration.ofSeconds(1), 2), dir.resolve("store-a"), false);
    Distributed reversed = distributed(config(video, Duration.ofSeconds(1), 2), dir.resolve("store-b"), true);
    assertThat(JobPlanner.plan(config(video, Duration.ofSeconds(1), 2)).segmentCount()).isEqualTo(6);
    assertThat(inOrder.tail()).isFalse();
    assertThat(inOrder.summary().complete()).isTrue();
    assertThat(inOrder.summary().framesDecoded()).isEqualTo(60);
    assertThat(inOrder.summary().detections()).isPositive();
    assertThat(new String(inOrder.json())).isEqualTo(new String(chunked));
    assertThat(inOrder.json()).isEqualTo(chunked).isEqualTo(unchunked);
    assertThat(reversed.json()).isEqualTo(chunked);
  }

  @Test
  void damagedInput_theMergerAsksForTheTail_andTheBytesAreStillTheLocalOnes() throws IOException {
    byte[] unchunked = engine(config(damaged, null, 1));
    byte[] chunked = engine(config(damaged, Duration.ofSeconds(1), 2));
    Distributed d = distributed(config(damaged, Duration.ofSeconds(1), 2), dir.resolve("store-damaged"), true);
    assertThat(d.tail()).as("a segment met damage: the rest of the stream is decoded whole").isTrue();
    assertThat(new String(d.json())).isEqualTo(new String(unchunked));
    assertThat(d.json()).isEqualTo(chunked);
  }

  @Test
  void aSecondRunOfTheSameTasks_findsTheirResultsStored() throws IOException {
    Path storeDir = dir.resolve("store-again");
    Distributed first = distributed(config(video, Duration.ofSeconds(2), 1), storeDir, false);
    List<Path> files;
    try (var s = Files.walk(storeDir)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    List<Long> modified = new ArrayList<>();
    for (Path f : files) {
      modified.add(Files.getLastModifiedTime(f).toMillis());
    }
    Distributed second = distributed(config(video, Duration.ofSeconds(2), 1), storeDir, false);
    assertThat(second.json()).isEqualTo(first.json());
    assertThat(files).hasSize(3).allSatisfy(f -> assertThat(f.getFileName().toString()).matches("segment-00000[0-2]\\.fws"));
    for (int i = 0; i < files.size(); i++) {
      assertThat(Files.getLastModifiedTime(files.get(i)).toMillis()).as("not written again").isEqualTo(modified.get(i));
    }
  }

  @Test
  void aWorkerWhoseModelContentDiffers_refusesTheTask() throws IOException {
    Path own = Files.copy(model, dir.resolve("own.model"));
    JobConfig config = new JobConfig(video, ModelSpec.of(own), new DetectionParams(0.8, 0.45), new FfmpegDecoderProvider(),
        new ColourBlobDetector(), null, new PipelineOptions(0, Duration.ofSeconds(2), null, 1, 0, 1, false, null));
    byte[] task = JobPlanner.plan(config).task(1).encode();
    Files.writeString(own, "colour blob detector, version 2"); // the file the worker sees is another model
    DirectoryResultStore store = DirectoryResultStore.shared(dir.resolve("store-model"));
    SegmentTask t = SegmentTask.decode(task);
    assertThatThrownBy(() -> worker(store, InputCheck.localFilesUnder(dir)).run(t))
        .isInstanceOfSatisfying(ModelException.class, e -> assertThat(e.code()).isEqualTo("FW-821"))
        .hasMessageContaining(own.toString())
        .hasMessageContaining("model.sha256: was ")
        .hasMessageContaining("segment 1/3");
    assertThat(store.contains(t.key())).isFalse();
  }

  @Test
  void aWorkerThatMayNotReadTheInput_refusesTheTask() throws IOException {
    byte[] task = JobPlanner.plan(config(video, Duration.ofSeconds(2), 1)).task(0).encode();
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    DirectoryResultStore store = DirectoryResultStore.shared(dir.resolve("store-input"));
    assertThatThrownBy(() -> worker(store, InputCheck.localFilesUnder(elsewhere)).run(SegmentTask.decode(task)))
        .isInstanceOfSatisfying(RefusedInputException.class, e -> assertThat(e.code()).isEqualTo("FW-823"))
        .hasMessageContaining("not under " + elsewhere);
    assertThat(store.list(JobPlanner.plan(config(video, Duration.ofSeconds(2), 1)).fingerprint().hex()).count()).isZero();
  }

  @Test
  void aChangedInput_isRefusedAsAnotherJob() throws IOException {
    Path copy = Files.copy(video, dir.resolve("changing.mp4"));
    byte[] task = JobPlanner.plan(config(copy, Duration.ofSeconds(2), 1)).task(0).encode();
    Files.write(copy, Files.readAllBytes(damaged));
    assertThatThrownBy(() -> worker(DirectoryResultStore.shared(dir.resolve("store-changed")), InputCheck.localFilesUnder(dir))
        .run(SegmentTask.decode(task)))
        .isInstanceOfSatisfying(RefusedInputException.class, e -> assertThat(e.code()).isEqualTo("FW-822"))
        .hasMessageContaining(copy.toString())
        .hasMessageContaining("input.");
  }
}
