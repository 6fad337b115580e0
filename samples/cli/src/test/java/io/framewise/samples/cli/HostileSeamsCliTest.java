package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, at the seams between the merged parts, through the CLI: cases an adversarial review found
 * broken. Real FFmpeg and ONNX Runtime on a generated video and model.
 */
class HostileSeamsCliTest {

  @TempDir static Path shared;
  static Path video;
  static Path model;

  @TempDir Path tmp;

  @BeforeAll
  static void media() {
    Logging.quietFfmpeg(false);
    video = SyntheticVideo.builder().size(640, 384).frames(1500).gopSize(10).codec("mpeg4").build()
        .write(shared.resolve("long.mp4"));
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("squares.onnx"));
  }

  /**
   * The line a signal prints named the video and the output raw: a file name holding an escape sequence
   * drove the terminal (every other message is escaped). Child JVM, SIGTERM while detecting.
   */
  @Test
  void sigterm_videoNamedWithControlCharacters_linePrintsThemEscaped() throws Exception {
    Path hostile = Files.createSymbolicLink(tmp.resolve("clip\u001b[2J\n.mp4"), video);
    Path outDir = Files.createDirectories(tmp.resolve("out"));
    Path out = outDir.resolve("res\u001b[31m.json");
    Path stderr = tmp.resolve("stderr.txt");
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve("java-tmp")),
        "-Dframewise.onnxruntime.cacheDir=" + shared.resolve("native-cache"),
        FramewiseCli.class.getName(), "detect", hostile.toString(), "--model", model.toString(), "--out", out.toString());
    ProcessBuilder launch = new ProcessBuilder(command).redirectOutput(tmp.resolve("stdout.txt").toFile())
        .redirectError(stderr.toFile());
    launch.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    Process child = launch.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!namesIn(outDir).stream().anyMatch(n -> n.endsWith(".part"))) {
        if (!child.isAlive()) {
          fail("the CLI ended (exit %d) before it was signalled: %s", child.exitValue(), Files.readString(stderr));
        }
        if (System.nanoTime() > deadline) {
          fail("the CLI did not start detecting: %s", Files.readString(stderr));
        }
        Thread.sleep(20);
      }
      Thread.sleep(500);
      child.destroy(); // SIGTERM
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    String err = Files.readString(stderr, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as(err).isEqualTo(143);
    List<String> lines = err.lines().filter(l -> l.startsWith("framewise:")).toList();
    assertThat(lines).as(err).hasSize(1);
    assertThat(lines.get(0)).contains("stopped by SIGTERM").contains("clip\\x1b[2J\\n.mp4").contains("res\\x1b[31m.json")
        .endsWith("(FW-700)");
    assertThat(err).doesNotContain("\u001b");
    assertThat(namesIn(outDir)).as("no output and no .part file").isEmpty();
  }

  /** {@code --out -} wrote a file named "-" in the working directory instead of standard output. */
  @Test
  void outDash_isStandardOutput() throws IOException {
    Path small = SyntheticVideo.builder().frames(8).build().write(tmp.resolve("small.mp4"));
    Path dash = Path.of("-").toAbsolutePath();
    assertThat(dash).as("a file named - in the working directory").doesNotExist();
    try {
      CliRun run = CliRun.of("detect", small.toString(), "--model", model.toString(), "--out", "-");
      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out().strip()).startsWith("{").endsWith("}");
      assertThat(run.out().replaceAll("\\s", "")).contains("\"complete\":true");
      assertThat(run.err()).contains("-> stdout");
      assertThat(dash).as("no file named -").doesNotExist();
    } finally {
      Files.deleteIfExists(dash);
    }
  }

  /**
   * Without --max-heap the budget is the JVM's -Xmx, and a small one (a container's default is a quarter
   * of its memory) refused the job saying "maxHeap is 96MiB" to a user who never set it. The message now
   * says where the figure comes from, and --max-heap above -Xmx runs the job.
   */
  @Test
  void smallXmx_withoutMaxHeap_saysTheBudgetIsTheJvmsHeap_andMaxHeapRunsTheJob() throws Exception {
    Path small = SyntheticVideo.builder().frames(8).build().write(tmp.resolve("small.mp4"));
    Path out = tmp.resolve("out.json");
    Result refused = cli(tmp, "-Xmx96m", "detect", small.toString(), "--model", model.toString(), "--out", out.toString());
    assertThat(refused.exit()).as(refused.err()).isEqualTo(1);
    assertThat(refused.err()).contains("small.mp4").contains("maxHeap is not set").contains("-Xmx").contains("(FW-300)")
        .contains("--max-heap");
    assertThat(out).doesNotExist();
    Result ran = cli(tmp, "-Xmx96m", "detect", small.toString(), "--model", model.toString(), "--out", out.toString(),
        "--max-heap", "512MiB");
    assertThat(ran.exit()).as(ran.err()).isZero();
    assertThat(Files.readString(out).replaceAll("\\s", "")).contains("\"complete\":true");
  }

  /**
   * The CLI's messages were escaped, but the model's INFO log line (and WARN lines naming checkpoint
   * files) sent a model file name's escape sequence raw to the terminal.
   */
  @Test
  void logLines_nameFilesWithControlCharactersEscaped() throws Exception {
    Path small = SyntheticVideo.builder().frames(4).build().write(tmp.resolve("small.mp4"));
    Path hostileModel = Files.createSymbolicLink(tmp.resolve("m\u001b[32m.onnx"), model);
    Path out = tmp.resolve("out.json");
    Result ran = cli(tmp, "-Xmx512m", "detect", small.toString(), "--model", hostileModel.toString(), "--out", out.toString());
    assertThat(ran.exit()).as(ran.err()).isZero();
    assertThat(ran.err()).contains("m\\x1b[32m").doesNotContain("\u001b");
  }

  private record Result(int exit, String err) {}

  private static Result cli(Path tmp, String xmx, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        xmx, "-Dframewise.onnxruntime.cacheDir=" + shared.resolve("native-cache"), FramewiseCli.class.getName()));
    command.addAll(List.of(args));
    Path stderr = Files.createTempFile(tmp, "stderr", ".txt");
    ProcessBuilder launch = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(stderr.toFile());
    launch.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    Process child = launch.start();
    try {
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    return new Result(child.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8));
  }

  private static List<String> namesIn(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
