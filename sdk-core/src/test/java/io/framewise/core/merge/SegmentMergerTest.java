package io.framewise.core.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.BoundingBox;
import io.framewise.Detection;
import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.JobError;
import io.framewise.ModelSpec;
import io.framewise.core.ColourBlobDetector;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.core.JsonResultWriterProvider;
import io.framewise.core.store.DirectoryResultStore;
import io.framewise.core.store.ResultKey;
import io.framewise.core.store.ResultStore;
import io.framewise.core.store.SegmentResult;
import io.framewise.core.store.SpillFile;
import io.framewise.core.task.JobPlan;
import io.framewise.core.task.JobPlanner;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The merger: results offered in any order give the bytes of the in-order merge; the prefix is written as soon as it is contiguous. */
class SegmentMergerTest {

  @TempDir static Path dir;
  static JobPlan plan;
  static DirectoryResultStore store;
  static List<SegmentResult> results = new ArrayList<>();

  @BeforeAll
  static void storeResults() throws IOException {
    Path video = SyntheticVideo.builder().size(128, 96).objectSize(32).frames(80).frameRate(10).gopSize(10).build()
        .write(dir.resolve("clip.mp4"));
    Path model = Files.writeString(dir.resolve("m.model"), "model");
    plan = JobPlanner.plan(new JobConfig(video, ModelSpec.of(model), DetectionParams.DEFAULTS, new FfmpegDecoderProvider(),
        new ColourBlobDetector(), null, new PipelineOptions(0, Duration.ofSeconds(1), null, 1, 0, 1, false, null)));
    store = DirectoryResultStore.shared(dir.resolve("store"));
    for (int s = 0; s < plan.segmentCount(); s++) {
      ResultKey key = plan.task(s).key();
      try (ResultStore.Upload u = store.create(key)) {
        for (long id = key.firstFrameId(); id < key.firstFrameId() + key.frameCount(); id++) {
          u.frame(new FrameDetections(id, id * 100.0, List.of(new Detection((int) (id % 3), "c" + id % 3, 0.5 + id / 1000.0,
              new BoundingBox(id, 1, id + 10, 11)))));
        }
        results.add(u.commit(new SpillFile.Trailer(key.frameCount(), key.frameCount(), 0, key.frameCount(), List.of())));
      }
    }
  }

  static ResultWriter writer(ByteArrayOutputStream out) throws IOException {
    return new JsonResultWriterProvider().open(out);
  }

  static byte[] inOrder() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ResultWriter w = writer(out)) {
      SegmentMerger m = SegmentMerger.of(plan, w, store, false);
      m.begin(plan.modelInfo());
      for (SegmentResult r : results) {
        assertThat(m.merge(r)).isTrue();
      }
      DetectionSummary s = m.finish(System.nanoTime());
      assertThat(s.framesDecoded()).isEqualTo(80);
      assertThat(s.complete()).isTrue();
    }
    return out.toByteArray();
  }

  @Test
  void resultsOfferedOutOfOrder_giveTheInOrderBytes() throws IOException {
    assertThat(plan.segmentCount()).isEqualTo(8);
    byte[] expected = inOrder();
    Random random = new Random(11);
    for (int round = 0; round < 10; round++) {
      List<SegmentResult> shuffled = new ArrayList<>(results);
      Collections.shuffle(shuffled, random);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (ResultWriter w = writer(out)) {
        SegmentMerger m = SegmentMerger.of(plan, w, store, false);
        m.begin(plan.modelInfo());
        for (SegmentResult r : shuffled) {
          int before = m.next();
          assertThat(m.offer(r)).isTrue();
          if (r.key().segment() != before) {
            assertThat(m.next()).as("a result ahead of the prefix waits in the store").isEqualTo(before);
          }
        }
        assertThat(m.done()).isTrue();
        m.finish(System.nanoTime());
      }
      assertThat(out.toByteArray()).isEqualTo(expected);
    }
  }

  @Test
  void theStoreIsTheTruth_offeringOnlyTheFirstResultMergesEveryStoredOne() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ResultWriter w = writer(out)) {
      SegmentMerger m = SegmentMerger.of(plan, w, store, false);
      m.begin(plan.modelInfo());
      m.offer(results.get(0));
      assertThat(m.next()).isEqualTo(8);
      m.finish(System.nanoTime());
    }
    assertThat(out.toByteArray()).isEqualTo(inOrder());
  }

  @Test
  void aLostSegment_isFailedFramesWithFw108_andTheJobIsIncomplete() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary s;
    try (ResultWriter w = writer(out)) {
      SegmentMerger m = SegmentMerger.of(plan, w, store, false);
      m.begin(plan.modelInfo());
      m.merge(results.get(0));
      m.merge(results.get(1));
      assertThatThrownBy(() -> m.lost(3, "x")).isInstanceOf(IllegalStateException.class);
      m.lost(2, "3 attempts: worker gone");
      for (int i = 3; i < 8; i++) {
        m.merge(results.get(i));
      }
      s = m.finish(System.nanoTime());
    }
    assertThat(s.complete()).isFalse();
    assertThat(s.framesDecoded()).isEqualTo(80);
    assertThat(s.framesFailed()).isEqualTo(10);
    assertThat(s.errors()).singleElement().satisfies(e -> {
      assertThat(e.code()).isEqualTo("FW-108");
      assertThat(e.message()).isEqualTo("frames 20..29 (segment 2) failed after 3 attempts: worker gone");
      assertThat(e.frameId()).isEqualTo(20L);
    });
    assertThat(new String(out.toByteArray())).doesNotContain("\"frameId\":25,");
  }

  @Test
  void aSegmentThatMetDamage_isNotWritten_andTheTailIsAsked() throws IOException {
    ResultKey key = plan.task(3).key();
    DirectoryResultStore damagedStore = DirectoryResultStore.shared(dir.resolve("store-damaged"));
    SegmentResult damaged;
    try (ResultStore.Upload u = damagedStore.create(key)) {
      damaged = u.commit(new SpillFile.Trailer(10, 9, 1, 0, List.of(new JobError("FW-104", "frame 31 cannot be decoded", 31L, null))));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ResultWriter w = writer(out)) {
      SegmentMerger m = SegmentMerger.of(plan, w, damagedStore, false);
      m.begin(plan.modelInfo());
      m.lost(0, "a");
      m.lost(1, "b");
      m.lost(2, "c");
      assertThat(m.merge(damaged)).isFalse();
      assertThat(m.tailFrom()).isEqualTo(30);
      assertThat(m.done()).isFalse();
      assertThat(m.offer(results.get(4))).isFalse();
      ResultKey tail = plan.tail(30).key();
      SegmentResult t;
      try (ResultStore.Upload u = damagedStore.create(tail)) {
        for (long id = 30; id < 80; id++) {
          u.frame(new FrameDetections(id, id * 100.0, List.of()));
        }
        t = u.commit(new SpillFile.Trailer(50, 50, 0, 0, List.of()));
      }
      m.mergeTail(t);
      assertThat(m.done()).isTrue();
      DetectionSummary s = m.finish(System.nanoTime());
      assertThat(s.framesDecoded()).isEqualTo(80);
      assertThat(s.framesFailed()).isEqualTo(30);
    }
  }
}
