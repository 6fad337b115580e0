package io.framewise.distributed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.framewise.distributed.broker.DevBroker;
import io.framewise.distributed.coordinator.Coordinator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, done when: submit on the real clip (1394 frames, H.264) with yolox_nano and two worker
 * processes writes the same bytes as detect, also when a worker is killed with SIGKILL on the way.
 */
class RealClipTest {

  /** 30 s of the 10 fps clip: 5 segments of about 300 frames. */
  static final long CHUNK_MS = 30_000;

  @TempDir Path tmp;

  static Path testData(String relative) {
    String dir = System.getenv("FRAMEWISE_TESTDATA");
    assumeTrue(dir != null && !dir.isBlank(), "FRAMEWISE_TESTDATA is not set: skipping the real-clip test");
    Path file = Path.of(dir).resolve(relative);
    assertThat(Files.isRegularFile(file)).as("FRAMEWISE_TESTDATA is set but %s is missing", file).isTrue();
    return file;
  }

  @Test
  void submitWithTwoWorkers_sameBytesAsDetect_alsoWhenAWorkerIsKilled() throws Exception {
    Path video = testData("videos/one-by-one-person-detection.mp4");
    Path model = testData("models/yolox_nano.onnx");
    byte[] reference = Cluster.detect(video, model, CHUNK_MS);
    try (DevBroker broker = new DevBroker(tmp.resolve("kafka"))) {
      String bootstrap = broker.start();
      try (Cluster c = new Cluster(bootstrap, "killed", Files.createDirectories(tmp.resolve("killed")))) {
        // a alone until it is in the middle of segment 1 (which worker of two gets a segment is the share
        // group's choice), then b joins: b runs what is left, segment 1 again among it.
        Cluster.Proc a = c.worker("a", "framewise.test.pauseMidSegment=1:600000");
        Path out = tmp.resolve("killed.json");
        CompletableFuture<Coordinator.Outcome> job =
            CompletableFuture.supplyAsync(() -> SubmitMain.submit(bootstrap, c.name, c.store, video, model, CHUNK_MS, out));
        a.await("segment 1 half decoded", Duration.ofMinutes(8));
        c.worker("b");
        a.kill();
        Coordinator.Outcome o = job.get(10, TimeUnit.MINUTES);
        assertThat(o.summary().complete()).as(c.logs()).isTrue();
        assertThat(Files.readAllBytes(out)).as("two workers, one killed mid-segment: the same bytes as detect").isEqualTo(reference);
        assertThat(c.logs()).as("b ran segment 1 again").containsPattern("segment 1 \\(delivery [2-9]\\)");
      }
    }
  }
}
