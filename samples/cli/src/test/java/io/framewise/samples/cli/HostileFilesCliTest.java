package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.testkit.ConnectionWatch;
import io.framewise.testkit.HostileMedia;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 8 §10: the hostile-input table ({@link HostileMedia#cases()}) through the CLI, in-process. For
 * each input: the exit code (3 for a media error or an incomplete job, 0 for a complete one), one
 * {@code framewise:} line on stderr naming the file, what is wrong and the code; no {@code --out} file
 * and no {@code .part} after a failure; JSON on stdout never terminated after a failure; a bounded time;
 * no connection to a watched listener on 127.0.0.1.
 */
class HostileFilesCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LIMIT = Duration.ofSeconds(30);

  @TempDir static Path root;
  static Path model;
  static ConnectionWatch watch;

  @BeforeAll
  static void setUp() {
    watch = ConnectionWatch.start();
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(160, 96).cell(32).build().write(root.resolve("model.onnx"));
  }

  @AfterAll
  static void tearDown() {
    watch.close();
  }

  static Stream<HostileMedia.Case> cases() {
    return HostileMedia.cases().stream();
  }

  /** Hostile model and labels files: exit 4, one line naming the file, no output. */
  static Stream<String[]> modelCases() {
    return Stream.of(
        new String[] {"model", "empty.onnx", "", "FW-201"},
        new String[] {"model", "noise.onnx", "random", "FW-201"},
        new String[] {"model", "notes.onnx", "text", "FW-201"},
        new String[] {"model", "cut.onnx", "truncated", "FW-201"},
        new String[] {"model", "absent.onnx", "missing", "FW-200"},
        new String[] {"model", "pipe.onnx", "fifo", "FW-200"},
        new String[] {"labels", "empty.names", "", "FW-203"},
        new String[] {"labels", "binary.names", "random", "FW-203"},
        new String[] {"labels", "pipe.names", "fifo", "FW-203"});
  }

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @MethodSource("modelCases")
  void hostileModelOrLabels(String kind, String name, String content, String code) throws Exception {
    Path dir = Files.createDirectory(root.resolve("model-" + name));
    Path file = dir.resolve(name);
    switch (content) {
      case "" -> Files.createFile(file);
      case "random" -> Files.write(file, HostileMedia.noise(8192, 3));
      case "text" -> Files.writeString(file, "not a model\n");
      case "truncated" -> {
        byte[] whole = Files.readAllBytes(model);
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
      }
      case "fifo" -> HostileMedia.fifo(file);
      default -> { } // missing
    }
    Path video = HostileMedia.BASE.write(dir.resolve("clip.mp4"));
    Path out = dir.resolve("result.json");
    CliRun r = assertTimeoutPreemptively(LIMIT, () -> kind.equals("model")
        ? CliRun.of("detect", video.toString(), "--model", file.toString(), "--out", out.toString())
        : CliRun.of("detect", video.toString(), "--model", model.toString(), "--labels", file.toString(), "--out", out.toString()));
    assertThat(r.exitCode()).as(r.err()).isEqualTo(4);
    List<String> errors = Arrays.stream(r.errLines()).filter(l -> l.startsWith("framewise: ")).toList();
    assertThat(errors).as(r.err()).hasSize(1);
    assertThat(errors.get(0)).contains(name).contains("(" + code + ")");
    assertThat(out).doesNotExist();
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part") || n.endsWith(".json"));
    }
    assertThat(watch.accepts()).isZero();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("cases")
  void hostileInput(HostileMedia.Case c) throws Exception {
    Path dir = Files.createDirectory(root.resolve(c.name()));
    Path video = c.maker().make(dir, watch.port());
    Path outDir = Files.createDirectory(root.resolve(c.name() + "-out"));
    Path out = outDir.resolve("result.json");

    CliRun toFile = assertTimeoutPreemptively(LIMIT,
        () -> CliRun.of("detect", video.toString(), "--model", model.toString(), "--out", out.toString()));
    CliRun toStdout = assertTimeoutPreemptively(LIMIT, () -> CliRun.of("detect", video.toString(), "--model", model.toString()));

    switch (c.outcome()) {
      case CORRUPT, UNSUPPORTED, REFUSED -> {
        for (CliRun r : List.of(toFile, toStdout)) {
          assertThat(r.exitCode()).as("%s: %s", c.name(), r.err()).isEqualTo(3);
          List<String> errors = Arrays.stream(r.errLines()).filter(l -> l.startsWith("framewise: ")).toList();
          assertThat(errors).as(r.err()).hasSize(1);
          assertThat(errors.get(0)).contains(video.getFileName().toString()).containsAnyOf(c.problem().split("\\|"))
              .containsAnyOf(Arrays.stream(c.code().split("\\|")).map(code -> "(" + code + ")").toArray(String[]::new));
        }
        assertThat(out).doesNotExist();
        assertThat(toStdout.out()).doesNotContain("\"summary\"");
      }
      case DECODES -> {
        assertThat(toFile.exitCode()).as("%s: %s", c.name(), toFile.err()).isZero();
        assertThat(toStdout.exitCode()).as(toStdout.err()).isZero();
        JsonNode doc = JSON.readTree(out.toFile());
        assertThat(doc.at("/summary/complete").asBoolean()).isTrue();
        assertThat(doc.get("frames")).hasSize(c.frames());
        assertThat(toStdout.out()).isEqualTo(Files.readString(out));
      }
      case INCOMPLETE -> {
        assertThat(toFile.exitCode()).as("%s: %s", c.name(), toFile.err()).isEqualTo(3);
        assertThat(toStdout.exitCode()).isEqualTo(3);
        assertThat(JSON.readTree(out.toFile()).at("/summary/complete").asBoolean()).isFalse();
        assertThat(JSON.readTree(toStdout.out()).at("/summary/complete").asBoolean()).isFalse();
        assertThat(toFile.err()).contains(video.getFileName().toString());
      }
      default -> throw new AssertionError(c.outcome());
    }
    try (Stream<Path> left = Files.list(outDir)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
    assertThat(watch.accepts()).as("connections to 127.0.0.1:%d", watch.port()).isZero();
  }
}
