package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs the CLI in-process, as {@code java -jar framewise-cli.jar ...} would. */
class FramewiseCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FRAMES = 20;

  @TempDir static Path shared;
  private static SyntheticVideo video;
  private static Path videoFile;
  private static Path modelFile;

  @TempDir Path tmp;

  @BeforeAll
  static void generate() {
    video = SyntheticVideo.builder().frames(FRAMES).build();
    Logging.quietFfmpeg(false);
    videoFile = video.write(shared.resolve("squares.mp4"));
    modelFile = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("squares.onnx"));
  }



  private static void assertNoStackTrace(CliRun r) {
    assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void demoFindsEveryObject() throws IOException {
    Path json = tmp.resolve("demo.json");
    CliRun r = CliRun.of("demo", "--out", json.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("Framewise demo: 60 frames").contains("missed: 0").contains("false detections: 0")
        .contains("frame ids 0..59 in order: yes");
    assertThat(r.err()).contains("60 frames").doesNotContain("INCOMPLETE");
    JsonNode doc = JSON.readTree(json.toFile());
    assertThat(doc.path("frames")).hasSize(60);
    assertThat(doc.path("summary").path("complete").asBoolean()).isTrue();
    assertThat(doc.path("model").path("labels").toString()).isEqualTo("[\"red\",\"green\",\"blue\"]");
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files).containsExactly(json); // nothing else left behind
    }
  }

  @Test
  void detectWritesTheJsonToOut() throws IOException {
    Path json = tmp.resolve("out.json");
    CliRun r = CliRun.of("detect", videoFile.toString(), "--model", modelFile.toString(), "--out", json.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()[r.errLines().length - 1]).startsWith("squares.mp4: " + FRAMES + " frames, ");
    JsonNode doc = JSON.readTree(json.toFile());
    assertThat(doc.path("frames")).hasSize(FRAMES);
    assertThat(doc.path("summary").path("complete").asBoolean()).isTrue();
    long expected = Stream.iterate(0L, f -> f + 1).limit(FRAMES).mapToLong(f -> video.truth(f).size()).sum();
    assertThat(doc.path("summary").path("detections").asLong()).isEqualTo(expected);
  }

  @Test
  void detectWritesTheJsonToStdoutWithOptions() throws IOException {
    CliRun r = CliRun.of("detect", videoFile.toString(), "--model", modelFile.toString(), "--format", "YOLOv8",
        "--conf", "0.5", "--iou", "0.3");

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode doc = JSON.readTree(r.out());
    assertThat(doc.path("frames")).hasSize(FRAMES);
    assertThat(doc.path("model").path("format").asText()).isEqualTo("yolov8");
  }

  @Test
  void labelsFileOverridesTheModelMetadata() throws IOException {
    Path labels = Files.writeString(tmp.resolve("labels.txt"), "rot\ngruen\nblau\n");
    Path json = tmp.resolve("out.json");
    CliRun r = CliRun.of("detect", videoFile.toString(), "--model", modelFile.toString(), "--labels", labels.toString(),
        "--out", json.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(JSON.readTree(json.toFile()).path("model").path("labels").toString())
        .isEqualTo("[\"rot\",\"gruen\",\"blau\"]");
  }

  @Test
  void missingVideoIsOneLineWithTheFileAndCode() {
    Path missing = tmp.resolve("missing.mp4");
    CliRun r = CliRun.of("detect", missing.toString(), "--model", modelFile.toString());

    assertThat(r.exitCode()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("framewise: ").contains("missing.mp4").contains("FW-100");
    assertNoStackTrace(r);
  }

  @Test
  void verboseAddsTheStackTrace() {
    CliRun r = CliRun.of("detect", tmp.resolve("missing.mp4").toString(), "--model", modelFile.toString(), "--verbose");

    assertThat(r.exitCode()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.err()).contains("framewise: ").contains("FW-100").contains("\tat ");
  }

  @Test
  void emptyVideoIsAMediaError() throws IOException {
    Path empty = Files.createFile(tmp.resolve("empty.mp4"));
    CliRun r = CliRun.of("detect", empty.toString(), "--model", modelFile.toString());

    assertThat(r.exitCode()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("empty.mp4").contains("FW-101");
    assertNoStackTrace(r);
  }

  @Test
  void randomBytesAreAnInvalidModel() throws IOException {
    Path model = randomModel();
    CliRun r = CliRun.of("detect", videoFile.toString(), "--model", model.toString());

    assertThat(r.exitCode()).isEqualTo(FramewiseCli.MODEL);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("random.onnx").contains("FW-20");
    assertNoStackTrace(r);
  }

  @Test
  void truncatedVideoIsIncomplete() throws IOException {
    Path avi = SyntheticVideo.builder().frames(FRAMES).build().write(tmp.resolve("full.avi"));
    byte[] bytes = Files.readAllBytes(avi);
    Path truncated = Files.write(tmp.resolve("truncated.avi"), java.util.Arrays.copyOf(bytes, bytes.length * 6 / 10));
    Path json = tmp.resolve("out.json");
    CliRun r = CliRun.of("detect", truncated.toString(), "--model", modelFile.toString(), "--out", json.toString());

    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.err()).contains("INCOMPLETE");
    assertThat(JSON.readTree(json.toFile()).path("summary").path("complete").asBoolean(true)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"video", "model"})
  void failedJobLeavesNoFileAtOut(String broken) throws IOException {
    Path out = tmp.resolve("result.json");
    String v = broken.equals("video") ? tmp.resolve("missing.mp4").toString() : videoFile.toString();
    String m = broken.equals("model") ? randomModel().toString() : modelFile.toString();
    CliRun r = CliRun.of("detect", v, "--model", m, "--out", out.toString());

    assertThat(r.exitCode()).isIn(FramewiseCli.MEDIA, FramewiseCli.MODEL);
    assertThat(out).doesNotExist();
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("result.json"));
    }
  }

  @Test
  void unknownFormatIsAUsageError() {
    CliRun r = CliRun.of("detect", videoFile.toString(), "--model", modelFile.toString(), "--format", "yolov99");

    assertThat(r.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.err()).contains("yolov99").contains("yolov8");
  }

  @Test
  void missingModelOptionIsAUsageError() {
    CliRun r = CliRun.of("detect", videoFile.toString());

    assertThat(r.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.err()).contains("--model");
  }

  @Test
  void confidenceOutOfRangeIsAUsageError() {
    CliRun r = CliRun.of("detect", videoFile.toString(), "--model", modelFile.toString(), "--conf", "1.5");

    assertThat(r.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.err()).contains("--conf");
  }

  @Test
  void noCommandIsAUsageError() {
    assertThat(CliRun.of().exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(CliRun.of("detekt").exitCode()).isEqualTo(FramewiseCli.USAGE);
  }

  @Test
  void helpAndVersion() {
    CliRun help = CliRun.of("--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("detect").contains("demo");
    CliRun detectHelp = CliRun.of("detect", "--help");
    assertThat(detectHelp.exitCode()).isZero();
    assertThat(detectHelp.out()).contains("--model").contains("yolox").contains("end2end");
    CliRun version = CliRun.of("--version");
    assertThat(version.exitCode()).isZero();
    assertThat(version.out()).startsWith("framewise "); // "dev" when run from classes
  }

  private Path randomModel() throws IOException {
    byte[] bytes = new byte[4096];
    new Random(42).nextBytes(bytes);
    return Files.write(tmp.resolve("random.onnx"), bytes);
  }
}
