package io.framewise.distributed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.DetectionSummary;
import io.framewise.JobError;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.distributed.broker.DevBroker;
import io.framewise.distributed.coordinator.DistributedEngine;
import io.framewise.distributed.tasklog.TaskLog;
import io.framewise.testkit.RangeServer;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 §2 through the distributed mode: a job on an http URI (a real range server on 127.0.0.1
 * that counts its bytes) is planned by the coordinator over HTTP and decoded by a worker process
 * allowed {@code --inputs http} with range requests: the JSON is byte for byte {@code detect}'s on
 * the local file, and the worker reads about the file once, not once per segment. A worker without
 * {@code --inputs http} refuses the task (FW-823) before opening anything, and the job ends with
 * FW-108 naming the refusal, never showing the URI's query.
 */
class RemoteInputTest {

  static final String SECRET = "X-Sig=s3cr3t";
  static final long CHUNK_MS = 2000;
  static final Duration JOB_TIMEOUT = Duration.ofMinutes(2);

  @TempDir static Path shared;
  static DevBroker broker;
  static String bootstrap;
  static Path model;

  @BeforeAll
  static void start() throws Exception {
    broker = new DevBroker(shared.resolve("kafka"));
    bootstrap = broker.start();
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).dynamicBatch(true).build().write(shared.resolve("model.onnx"));
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  /** The coordinator, in this JVM: as {@code submit} does with an http(s) VIDEO. */
  static DetectionSummary submit(Cluster c, URI video, Path out) {
    DistributedEngine engine = DistributedEngine.onStore(new TaskLog(Settings.of(bootstrap, c.name)), c.store);
    try (VideoDetector d = VideoDetector.builder().engine(engine).remoteInput("http").build()) {
      return d.newJob(video).model(ModelSpec.of(model)).chunkSize(Duration.ofMillis(CHUNK_MS)).writeJson(out);
    }
  }

  @Test
  void remoteJob_workerAllowedHttp_sameBytesAsDetect_readsAboutTheFileOnce(@TempDir Path tmp) throws Exception {
    SyntheticVideo scene = SyntheticVideo.builder().frames(250).frameRate(25).gopSize(25).bFrames(2).build();
    Path video = scene.writeGrainy(tmp.resolve("clip.mp4"), 7); // about 39 MB
    byte[] reference = Cluster.detect(video, model, CHUNK_MS);
    try (RangeServer server = new RangeServer(video, "/v/clip.mp4"); Cluster c = new Cluster(bootstrap, "remote", tmp)) {
      long size = server.size();
      Path out = tmp.resolve("out.json");
      CompletableFuture<DetectionSummary> job = CompletableFuture.supplyAsync(() -> submit(c, server.uri(SECRET), out));
      FailureTest.awaitTasksPublished(c, JOB_TIMEOUT);
      long indexBytes = server.served();
      server.reset(); // from here on, what the worker reads
      Cluster.Proc w = c.workerWithInputs("w", "http");
      DetectionSummary s = job.get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      long workerBytes = server.served();
      int segments = (int) c.storedSegments(); // 10 s in chunks of about 2 s, cut at key frames (one a second): 4 here
      System.out.printf("remote job: file %d bytes, %d segments; coordinator's index %d bytes (%.2f%%), worker %d bytes (%.2fx the file), "
          + "%d request(s)%n", size, segments, indexBytes, 100.0 * indexBytes / size, workerBytes, (double) workerBytes / size,
          server.requests().size());
      assertThat(s.complete()).as(c.logs()).isTrue();
      assertThat(Files.readAllBytes(out)).as("the same bytes as detect on the local file").isEqualTo(reference);
      assertThat(segments).isGreaterThanOrEqualTo(4);
      assertThat(w.count("segment \\d+: computed")).as(w.output()).isEqualTo(segments);
      assertThat(size).as("file size").isGreaterThan(24L << 20);
      // The index reads the sample table and what FFmpeg probes, plus what the socket buffers held when FFmpeg dropped a
      // request to seek (measured: 5 to 12 MB over runs, whatever the file's size; see RemoteChunkedTest): never the file.
      assertThat(indexBytes).as("bytes served to the coordinator's index").isLessThan(size / 2);
      // The worker reads each segment's bytes once and the container's index, plus, per request FFmpeg abandons to seek
      // to the next segment, what the loopback socket buffers held by then (measured: about 11 MB a segment; 2.1x this
      // 39 MB file in 4 segments). Bounded by 16 MiB a segment over the file once; reading the file once per segment
      // would be 4x, above 3/4 of that.
      assertThat(workerBytes).as("bytes served to the worker").isLessThan(size + segments * (16L << 20))
          .isLessThan(size * segments * 3 / 4);
      assertThat(server.requests()).allMatch(r -> r.startsWith("GET /v/clip.mp4 "));
      assertThat(c.logs()).doesNotContain("s3cr3t");
    }
  }

  @Test
  void workerWithoutInputsHttp_refusesTheTask_visibly_andOpensNothing(@TempDir Path tmp) throws Exception {
    Path small = SyntheticVideo.builder().size(320, 192).objectSize(32).frames(20).gopSize(10).build().write(tmp.resolve("small.mp4"));
    try (RangeServer server = new RangeServer(small, "/v/small.mp4"); Cluster c = new Cluster(bootstrap, "refused", tmp)) {
      Path out = tmp.resolve("out.json");
      CompletableFuture<DetectionSummary> job = CompletableFuture.supplyAsync(() -> submit(c, server.uri(SECRET), out));
      FailureTest.awaitTasksPublished(c, JOB_TIMEOUT);
      server.reset();
      Cluster.Proc w = c.worker("w"); // local files only: the default
      DetectionSummary s = job.get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(s.complete()).isFalse();
      JobError e = s.errors().get(0);
      assertThat(e.code()).isEqualTo("FW-108");
      assertThat(e.message()).contains("refused by w").contains("FW-823").contains("http://127.0.0.1:")
          .contains("scheme 'http' is not allowed by this worker's --inputs file").doesNotContain("s3cr3t");
      assertThat(w.output()).contains("refused").contains("FW-823").doesNotContain("s3cr3t");
      assertThat(w.count("computed")).isZero();
      assertThat(server.requests()).as("the refusing worker never reached the server").isEmpty();
      assertThat(server.served()).isZero();
      assertThat(c.storedSegments()).isZero();
      assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toFile()).at("/summary/complete").asBoolean(true))
          .as("the JSON says it is incomplete").isFalse();
    }
  }

}
