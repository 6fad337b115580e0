package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.testkit.RangeServer;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code broker}, {@code worker} and {@code submit} as a user runs them (docs/distributed.md's four
 * commands): broker and worker as child processes of the CLI, submit in-process; its JSON is detect's,
 * byte for byte. And their usage errors.
 */
class DistributedCliTest {

  @TempDir Path tmp;

  @Test
  void brokerWorkerSubmit_sameBytesAsDetect_andSignalsStopBrokerAndWorker() throws Exception {
    Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).dynamicBatch(true).build().write(tmp.resolve("model.onnx"));
    Path video = SyntheticVideo.builder().size(320, 192).objectSize(32).frames(60).gopSize(10).build().write(tmp.resolve("video.mp4"));
    CliRun detect = CliRun.of("detect", video.toString(), "--model", model.toString(), "--out", tmp.resolve("detect.json").toString());
    assertThat(detect.exitCode()).as(detect.err()).isZero();

    List<Process> children = new ArrayList<>();
    try {
      Process broker = cli(children, "broker", "broker", "--data", tmp.resolve("kafka").toString(), "--port", "0");
      String line = awaitLine(broker, tmp.resolve("broker.err"), Pattern.compile("Kafka broker on (127\\.0\\.0\\.1:\\d+)"));
      String bootstrap = line;
      Path store = tmp.resolve("store");
      // local files (the default) and, with --inputs http, remote URIs
      Process worker = cli(children, "worker", "worker", "--bootstrap", bootstrap, "--store", store.toString(), "--inputs", "http");
      CliRun submit = CliRun.of("submit", video.toString(), "--model", model.toString(), "--bootstrap", bootstrap, "--store", store.toString(),
          "--chunk-size", "2s", "--out", tmp.resolve("submit.json").toString());
      assertThat(submit.exitCode()).as(submit.err() + Files.readString(tmp.resolve("worker.err"))).isZero();
      assertThat(Files.readAllBytes(tmp.resolve("submit.json"))).isEqualTo(Files.readAllBytes(tmp.resolve("detect.json")));
      assertThat(submit.err()).contains("3 task(s) published").contains("video.mp4: 60 frames");

      // the same video as an http URI (a pre-signed URL's signature in the query): read with range requests by this
      // process (the index) and the worker, the same bytes; the signature is never shown
      try (RangeServer server = new RangeServer(video, "/media/video.mp4")) {
        CliRun remote = CliRun.of("submit", server.uri("X-Sig=s3cr3t").toString(), "--model", model.toString(), "--bootstrap", bootstrap,
            "--store", store.toString(), "--chunk-size", "2s", "--out", tmp.resolve("remote.json").toString());
        assertThat(remote.exitCode()).as(remote.err() + Files.readString(tmp.resolve("worker.err"))).isZero();
        assertThat(Files.readAllBytes(tmp.resolve("remote.json"))).isEqualTo(Files.readAllBytes(tmp.resolve("detect.json")));
        assertThat(remote.err()).contains("3 task(s) published").contains("video.mp4: 60 frames").doesNotContain("s3cr3t");
        assertThat(Files.readString(tmp.resolve("worker.err"))).doesNotContain("s3cr3t");
        assertThat(server.served()).isPositive();
      }

      worker.destroy(); // SIGTERM
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(worker.exitValue()).isEqualTo(143);
      broker.destroy();
      assertThat(broker.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(broker.exitValue()).isEqualTo(143);
    } finally {
      for (Process p : children) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void usageErrors() {
    CliRun noBootstrap = CliRun.of("worker", "--store", tmp.toString());
    assertThat(noBootstrap.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(noBootstrap.err()).contains("--bootstrap");

    CliRun badInputs = CliRun.of("worker", "--bootstrap", "127.0.0.1:1", "--store", tmp.toString(), "--inputs", "ftp");
    assertThat(badInputs.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(badInputs.err()).contains("'ftp' is not an input kind");

    CliRun relativeRoot = CliRun.of("worker", "--bootstrap", "127.0.0.1:1", "--store", tmp.toString(), "--inputs", "file:data");
    assertThat(relativeRoot.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(relativeRoot.err()).contains("must be absolute");

    CliRun badUri = CliRun.of("submit", "https://host/v.mp4?sig=s3cr3t x", "--model", "m.onnx", "--bootstrap", "127.0.0.1:1", "--store",
        tmp.toString(), "--out", tmp.resolve("o.json").toString());
    assertThat(badUri.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(badUri.err()).contains("not a valid https URI").doesNotContain("s3cr3t");

    CliRun noStore = CliRun.of("submit", "v.mp4", "--model", "m.onnx", "--bootstrap", "127.0.0.1:1", "--out", "o.json");
    assertThat(noStore.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(noStore.err()).contains("--store");

    CliRun badConf = CliRun.of("submit", "v.mp4", "--model", "m.onnx", "--bootstrap", "127.0.0.1:1", "--store", tmp.toString(), "--out",
        tmp.resolve("o.json").toString(), "--conf", "2");
    assertThat(badConf.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(badConf.err()).contains("--conf");
    assertThat(tmp.resolve("o.json")).doesNotExist();

    CliRun badPort = CliRun.of("broker", "--data", tmp.toString(), "--port", "70000");
    assertThat(badPort.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(badPort.err()).contains("--port");
  }

  /** Starts {@code framewise ARGS} as a child process, stderr to NAME.err. */
  private Process cli(List<Process> children, String name, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
        FramewiseCli.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(tmp.resolve(name + ".out").toFile())
        .redirectError(tmp.resolve(name + ".err").toFile());
    b.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    Process p = b.start();
    children.add(p);
    return p;
  }

  /** Waits for a line of the child's stderr matching {@code pattern}; returns its first group. */
  private static String awaitLine(Process p, Path err, Pattern pattern) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < end) {
      String text = Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
      Matcher m = pattern.matcher(text);
      if (m.find()) {
        return m.group(1);
      }
      assertThat(p.isAlive()).as("the process ended: %s", text).isTrue();
      Thread.sleep(200);
    }
    throw new AssertionError("no line matching " + pattern + " in " + err);
  }
}
