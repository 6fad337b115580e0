package io.framewise.distributed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.JobError;
import io.framewise.distributed.broker.DevBroker;
import io.framewise.distributed.coordinator.Coordinator;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 §4: each failure with a real Kafka broker (in this JVM, 127.0.0.1) and real worker
 * processes (child JVMs, killed with SIGKILL), on a generated video and detector with exact ground
 * truth: the distributed JSON is byte for byte what the local engine ({@code detect}) writes, or,
 * where a segment is lost, says so.
 */
class FailureTest {

  /** 120 frames at 10 fps, a key frame every 10: 2 s chunks make 6 segments of 20 frames. */
  static final int FRAMES = 120;
  static final long CHUNK_MS = 2000;
  static final int SEGMENTS = 6;
  static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

  @TempDir static Path shared;
  static DevBroker broker;
  static String bootstrap;
  static Path video;
  static Path model;
  static byte[] reference;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    broker = new DevBroker(shared.resolve("kafka"));
    bootstrap = broker.start();
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).dynamicBatch(true).build().write(shared.resolve("model.onnx"));
    video = SyntheticVideo.builder().size(320, 192).objectSize(32).frames(FRAMES).gopSize(10).build().write(shared.resolve("video.mp4"));
    reference = Cluster.detect(video, model, CHUNK_MS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private Cluster cluster(TestInfo info) throws Exception {
    return new Cluster(bootstrap, info.getTestMethod().orElseThrow().getName(), tmp);
  }

  private CompletableFuture<Coordinator.Outcome> submitAsync(Cluster c, Path v, Path out) {
    return CompletableFuture.supplyAsync(() -> SubmitMain.submit(bootstrap, c.name, c.store, v, model, CHUNK_MS, out));
  }

  @Test
  void workerKilledMidSegment_taskIsDeliveredAgain_sameBytesAsDetect(TestInfo info) throws Exception {
    try (Cluster c = cluster(info)) {
      Cluster.Proc a = c.worker("a", "framewise.test.pauseMidSegment=2:120000");
      Path out = tmp.resolve("out.json");
      CompletableFuture<Coordinator.Outcome> job = submitAsync(c, video, out);
      a.await("segment 2 half decoded", JOB_TIMEOUT);
      a.kill();
      Cluster.Proc b = c.worker("b");
      Coordinator.Outcome o = job.get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(o.summary().complete()).as(c.logs()).isTrue();
      assertThat(Files.readAllBytes(out)).as("the same bytes as detect").isEqualTo(reference);
      assertThat(b.output()).as("b ran segment 2 on its second delivery").containsPattern("segment 2 \\(delivery [2-9]\\)");
    }
  }

  @Test
  void workerKilledAfterStoringBeforeAcknowledging_noFrameTwice(TestInfo info) throws Exception {
    try (Cluster c = cluster(info)) {
      Cluster.Proc a = c.worker("a", "framewise.test.pauseAfterStore=1:120000");
      Path out = tmp.resolve("out.json");
      CompletableFuture<Coordinator.Outcome> job = submitAsync(c, video, out);
      a.await("segment 1 stored, not acknowledged", JOB_TIMEOUT);
      a.kill();
      Cluster.Proc b = c.worker("b");
      Coordinator.Outcome o = job.get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(o.summary().complete()).as(c.logs()).isTrue();
      assertThat(Files.readAllBytes(out)).isEqualTo(reference);
      assertFramesOnceInOrder(out, FRAMES);
      assertThat(b.output()).as("the redelivered task found its result").containsPattern("segment 1: already stored");
      assertThat(b.count("segment 1: computed")).as("segment 1 not computed again").isZero();
    }
  }

  @Test
  void coordinatorKilled_resubmitReusesStoredResults_sameBytes(TestInfo info) throws Exception {
    try (Cluster c = cluster(info)) {
      Cluster.Proc w = c.worker("w", "framewise.test.pauseBeforeSegment=4:8000");
      Path out = tmp.resolve("out.json");
      Cluster.Proc first = c.submitProcess(video, model, CHUNK_MS, out);
      w.await("segment 4 computing", JOB_TIMEOUT);
      first.kill();
      assertThat(Files.exists(out)).as("a killed submit leaves no output").isFalse();
      long storedAtKill = c.storedSegments();
      assertThat(storedAtKill).as("segments 0..3 stored before the kill").isGreaterThanOrEqualTo(4);
      Coordinator.Outcome again = SubmitMain.submit(bootstrap, c.name, c.store, video, model, CHUNK_MS, out);
      assertThat(again.summary().complete()).as(c.logs()).isTrue();
      assertThat(Files.readAllBytes(out)).isEqualTo(reference);
      assertThat(again.reused()).as("results reused").isGreaterThanOrEqualTo((int) storedAtKill);
      assertThat(again.published() + again.reused()).isEqualTo(SEGMENTS);
      // every segment computed once over both submits; redelivered duplicates found their result
      assertThat(w.count("segment \\d+: computed")).as(w.output()).isEqualTo(SEGMENTS);
    }
  }

  @Test
  void damagedStoredResult_isComputedAgain_sameBytes(TestInfo info) throws Exception {
    try (Cluster c = cluster(info)) {
      Cluster.Proc w = c.worker("w");
      Path out = tmp.resolve("out.json");
      assertThat(SubmitMain.submit(bootstrap, c.name, c.store, video, model, CHUNK_MS, out).summary().complete()).as(c.logs()).isTrue();
      Path stored;
      try (java.util.stream.Stream<Path> files = Files.walk(c.store)) {
        stored = files.filter(p -> p.getFileName().toString().matches("segment-0*2\\.fws")).findFirst().orElseThrow();
      }
      byte[] bytes = Files.readAllBytes(stored);
      bytes[bytes.length / 2] ^= 0x55; // a flipped bit on the shared store
      Files.delete(stored); // the store's file may be a hard link shared with nothing else; write a new one
      Files.write(stored, bytes);
      Files.delete(out);
      Coordinator.Outcome again = SubmitMain.submit(bootstrap, c.name, c.store, video, model, CHUNK_MS, out);
      assertThat(again.summary().complete()).as(c.logs()).isTrue();
      assertThat(Files.readAllBytes(out)).isEqualTo(reference);
      assertThat(again.reused()).isEqualTo(SEGMENTS);
      assertThat(again.published()).as("the damaged segment's task, once").isEqualTo(1);
      assertThat(w.count("segment 2: computed")).as("segment 2 computed again").isEqualTo(2);
    }
  }

  @Test
  void brokerRestartedMidJob_jobCompletes_sameBytes(TestInfo info) throws Exception {
    try (Cluster c = cluster(info)) {
      Cluster.Proc w = c.worker("w", "framewise.test.pauseMidSegment=3:4000");
      Path out = tmp.resolve("out.json");
      CompletableFuture<Coordinator.Outcome> job = submitAsync(c, video, out);
      w.await("segment 3 half decoded", JOB_TIMEOUT);
      broker.close();
      Thread.sleep(1000);
      assertThat(broker.start()).isEqualTo(bootstrap);
      Coordinator.Outcome o = job.get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(o.summary().complete()).as(c.logs()).isTrue();
      assertThat(Files.readAllBytes(out)).isEqualTo(reference);
      assertFramesOnceInOrder(out, FRAMES);
    }
  }

  @Test
  void segmentFailingOnEveryWorker_boundedAttempts_FW108_incomplete_jobEnds(TestInfo info) throws Exception {
    try (Cluster c = cluster(info)) {
      Cluster.Proc a = c.worker("a", "framewise.test.failSegment=3");
      Cluster.Proc b = c.worker("b", "framewise.test.failSegment=3");
      Path out = tmp.resolve("out.json");
      Coordinator.Outcome o = submitAsync(c, video, out).get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(o.summary().complete()).isFalse();
      assertThat(o.summary().framesFailed()).isEqualTo(20);
      JobError e = o.summary().errors().stream().filter(x -> x.code().equals("FW-108")).findFirst().orElseThrow();
      assertThat(e.message()).contains("frames 60..79 (segment 3)").contains("injected failure of segment 3");
      assertThat(e.frameId()).isEqualTo(60L);
      int attempts = a.count("segment 3 failed \\(delivery") + b.count("segment 3 failed \\(delivery");
      assertThat(attempts).as("attempts at segment 3").isEqualTo(Settings.ATTEMPTS);
      JsonNode doc = new ObjectMapper().readTree(out.toFile());
      assertThat(doc.at("/summary/complete").asBoolean(true)).isFalse();
      for (JsonNode f : doc.get("frames")) {
        long id = f.get("frameId").asLong();
        assertThat(id < 60 || id > 79).as("frame %d is not in the lost segment", id).isTrue();
      }
    }
  }

  @Test
  void twoJobsAtOnceOnTwoWorkers_bothCorrect(TestInfo info) throws Exception {
    Path other = SyntheticVideo.builder().size(320, 192).objectSize(32).frames(80).gopSize(10).build().write(tmp.resolve("other.mp4"));
    byte[] otherReference = Cluster.detect(other, model, CHUNK_MS);
    try (Cluster c = cluster(info)) {
      c.worker("a");
      c.worker("b");
      Path out1 = tmp.resolve("one.json");
      Path out2 = tmp.resolve("two.json");
      CompletableFuture<Coordinator.Outcome> j1 = submitAsync(c, video, out1);
      CompletableFuture<Coordinator.Outcome> j2 = submitAsync(c, other, out2);
      assertThat(j1.get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS).summary().complete()).as(c.logs()).isTrue();
      assertThat(j2.get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS).summary().complete()).as(c.logs()).isTrue();
      assertThat(Files.readAllBytes(out1)).isEqualTo(reference);
      assertThat(Files.readAllBytes(out2)).isEqualTo(otherReference);
    }
  }

  @Test
  void modelContentDiffers_taskRefusedAndReported(TestInfo info) throws Exception {
    Path mine = Files.copy(model, tmp.resolve("model.onnx"));
    Path small = SyntheticVideo.builder().size(320, 192).objectSize(32).frames(20).gopSize(10).build().write(tmp.resolve("small.mp4"));
    try (Cluster c = cluster(info)) {
      Path out = tmp.resolve("out.json");
      CompletableFuture<Coordinator.Outcome> job =
          CompletableFuture.supplyAsync(() -> SubmitMain.submit(bootstrap, c.name, c.store, small, mine, CHUNK_MS, out));
      awaitTasksPublished(c); // planned and published with the model's identity
      // the worker's file at that path now holds another detector
      Files.write(mine, SyntheticDetector.builder(SyntheticFamily.YOLOV8).dynamicBatch(true).cell(32).build().toBytes());
      Cluster.Proc w = c.worker("w");
      Coordinator.Outcome o = job.get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(o.summary().complete()).isFalse();
      JobError e = o.summary().errors().get(0);
      assertThat(e.code()).isEqualTo("FW-108");
      assertThat(e.message()).contains("refused by w").contains("another model content than this worker").contains("FW-821");
      assertThat(w.output()).contains("refused").contains("FW-821");
      assertThat(w.count("computed")).as("nothing computed with the other model").isZero();
      assertThat(c.storedSegments()).isZero();
    }
  }

  /** Waits until the test's tasks topic holds a record. */
  static void awaitTasksPublished(Cluster c) throws Exception {
    awaitTasksPublished(c, JOB_TIMEOUT);
  }

  /** Waits until the test's tasks topic holds a record, at most {@code timeout}. */
  static void awaitTasksPublished(Cluster c, Duration timeout) throws Exception {
    org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition("t." + c.name + ".tasks", 0);
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        java.util.Map.of("bootstrap.servers", c.bootstrap))) {
      long end = System.nanoTime() + timeout.toNanos();
      while (true) {
        try {
          long offset = admin.listOffsets(java.util.Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all()
              .get().get(tp).offset();
          if (offset > 0) {
            return;
          }
        } catch (java.util.concurrent.ExecutionException e) {
          // the topic is not there yet
        }
        assertThat(System.nanoTime()).as("tasks published").isLessThan(end);
        Thread.sleep(100);
      }
    }
  }

  /** Every frame id 0..n-1 exactly once, in order. */
  static void assertFramesOnceInOrder(Path out, int n) throws Exception {
    JsonNode frames = new ObjectMapper().readTree(out.toFile()).get("frames");
    assertThat(frames.size()).isEqualTo(n);
    for (int i = 0; i < n; i++) {
      assertThat(frames.get(i).get("frameId").asLong()).isEqualTo(i);
    }
  }
}
