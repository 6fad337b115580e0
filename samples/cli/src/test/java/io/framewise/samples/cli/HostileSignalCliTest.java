package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 8: the real CLI, started as a child JVM, is stopped by SIGTERM ({@code Process.destroy()}) or
 * SIGINT ({@code kill -INT}) while it runs a job, unchunked or chunked. It must print one line naming
 * the signal, the video and the output, exit 143 or 130, and leave no output, no {@code .part} file
 * beside it, no spill folder and nothing of ONNX Runtime in its temporary directory.
 *
 * <p>Real clip and model when {@code FRAMEWISE_TESTDATA} is set; a generated clip and detector otherwise.
 */
class HostileSignalCliTest {

  private static final long STARTUP_TIMEOUT_MS = 120_000;

  @TempDir static Path shared;
  static Path video;
  static Path model;

  @TempDir Path tmp;

  @BeforeAll
  static void media() {
    String data = System.getenv("FRAMEWISE_TESTDATA");
    if (data != null && !data.isBlank()) {
      video = Path.of(data, "videos", "one-by-one-person-detection.mp4");
      model = Path.of(data, "models", "yolox_nano.onnx");
      assertThat(video).as("FRAMEWISE_TESTDATA is set but the clip is missing").isRegularFile();
      assertThat(model).as("FRAMEWISE_TESTDATA is set but the model is missing").isRegularFile();
    } else {
      Logging.quietFfmpeg(false);
      video = SyntheticVideo.builder().size(640, 384).frames(1500).gopSize(10).codec("mpeg4").build()
          .write(shared.resolve("long.mp4"));
      model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("squares.onnx"));
    }
  }

  @ParameterizedTest(name = "{0}, {1}")
  @CsvSource({"TERM, unchunked", "INT, unchunked", "TERM, chunked", "INT, chunked"})
  void signal_whileDetecting_printsOneLineExits128PlusSignalAndLeavesNothing(String signal, String mode) throws Exception {
    Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
    Path outDir = Files.createDirectories(tmp.resolve("out"));
    Path out = outDir.resolve("result.json");
    Path stderr = tmp.resolve("stderr.txt");
    List<String> command = new ArrayList<>();
    boolean resetSigint = signal.equals("INT") && envResetsSignals();
    if (resetSigint) {
      // A JVM started from a background job inherits SIGINT ignored, and must keep it so; the CLI under test
      // is a foreground program, so give it the default disposition as a shell would.
      command.addAll(List.of("env", "--default-signal=INT"));
    }
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "-Djava.io.tmpdir=" + javaTmp, "-Dframewise.onnxruntime.cacheDir=" + shared.resolve("native-cache"),
        FramewiseCli.class.getName(), "detect", video.toString(), "--model", model.toString(), "--out", out.toString()));
    if (mode.equals("chunked")) {
      command.addAll(List.of("--chunk-size", "2s", "--parallelism", "2"));
    }
    ProcessBuilder launch = new ProcessBuilder(command).redirectOutput(tmp.resolve("stdout.txt").toFile())
        .redirectError(stderr.toFile());
    // CLASSPATH, not -cp: ONNX Runtime 1.29 parses /proc/self/cmdline recursively, and a long one overflows its stack
    launch.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    Process child = launch.start();
    try {
      waitUntilDetecting(child, stderr, outDir);
      if (signal.equals("INT")) {
        assumeTrue(!ignoresSigint(child.pid()), "SIGINT is ignored in this process tree and env --default-signal is missing");
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
      } else {
        child.destroy(); // SIGTERM
      }
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the CLI ends after the signal").isTrue();
    } finally {
      child.destroyForcibly();
    }

    String err = Files.readString(stderr, StandardCharsets.UTF_8);
    int expectedExit = signal.equals("INT") ? 130 : 143;
    assertThat(child.exitValue()).as(err).isEqualTo(expectedExit);
    List<String> lines = err.lines().filter(l -> l.startsWith("framewise:")).toList();
    assertThat(lines).as(err).hasSize(1);
    assertThat(lines.get(0)).contains("stopped by SIG" + signal).contains(video.toString()).contains(out.toString())
        .contains("was not written").endsWith("(FW-700)");
    assertThat(err).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(namesIn(outDir)).as("no output and no .part file").isEmpty();
    assertThat(namesIn(javaTmp)).as("no spill folder, nothing of ONNX Runtime in the temporary directory")
        .noneMatch(n -> n.startsWith("framewise-") || n.startsWith("onnxruntime-java"));
  }

  /** Waits until the model is loaded (its INFO line) and the output's temporary file exists, then a little longer. */
  private static void waitUntilDetecting(Process child, Path stderr, Path outDir) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_TIMEOUT_MS);
    while (true) {
      String err = Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
      boolean part = namesIn(outDir).stream().anyMatch(n -> n.endsWith(".part"));
      if (err.contains("ONNX Runtime on") && part) {
        break;
      }
      if (!child.isAlive()) {
        fail("the CLI ended (exit %d) before it was signalled: %s", child.exitValue(), err);
      }
      if (System.nanoTime() > deadline) {
        fail("the CLI did not start detecting within %d ms: %s", STARTUP_TIMEOUT_MS, err);
      }
      Thread.sleep(20);
    }
    Thread.sleep(500); // into the frames
    assertThat(child.isAlive()).as("still detecting when signalled: make the clip longer").isTrue();
  }

  private static boolean envResetsSignals() {
    try {
      Process p = new ProcessBuilder("env", "--default-signal=INT", "true").redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** Reads SigIgn of /proc/PID/status: whether the process ignores SIGINT (bit 1). */
  private static boolean ignoresSigint(long pid) throws IOException {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    if (!Files.exists(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        long mask = Long.parseUnsignedLong(line.substring(7).trim(), 16);
        return (mask & 0x2) != 0;
      }
    }
    return false;
  }

  private static List<String> namesIn(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
