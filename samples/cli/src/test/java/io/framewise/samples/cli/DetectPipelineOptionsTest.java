package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DataSize;
import io.framewise.ModelSpec;
import io.framewise.ResizeMode;
import io.framewise.VideoDetector;
import io.framewise.samples.cli.DetectCommand.ChunkSize;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code detect}'s chunking, parallelism, sampling, memory and checkpoint options, run in-process. */
class DetectPipelineOptionsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** 6 s at 10 fps with a key frame every 10 frames: three 2 s segments. */
  private static final int FRAMES = 60;

  @TempDir static Path shared;
  private static Path videoFile;
  private static Path modelFile;
  private static byte[] plain;

  @TempDir Path tmp;

  @BeforeAll
  static void generate() throws IOException {
    Logging.quietFfmpeg(false);
    videoFile = SyntheticVideo.builder().frames(FRAMES).gopSize(10).build().write(shared.resolve("gop10.mp4"));
    modelFile = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("squares.onnx"));
    Path json = shared.resolve("plain.json");
    CliRun r = CliRun.of("detect", videoFile.toString(), "--model", modelFile.toString(), "--out", json.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    plain = Files.readAllBytes(json);
  }



  private CliRun detect(Path json, String... options) {
    List<String> args = new ArrayList<>(List.of("detect", videoFile.toString(), "--model", modelFile.toString(),
        "--out", json.toString()));
    args.addAll(List.of(options));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static List<Long> frameIds(Path json) throws IOException {
    List<Long> ids = new ArrayList<>();
    for (JsonNode f : JSON.readTree(json.toFile()).path("frames")) {
      ids.add(f.path("frameId").asLong());
    }
    return ids;
  }

  @Test
  void chunkSizeAndParallelism_giveByteIdenticalJson() throws IOException {
    Path json = tmp.resolve("chunked.json");
    CliRun r = detect(json, "--chunk-size", "2s", "--parallelism", "2");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(Files.readAllBytes(json)).isEqualTo(plain);
  }

  @Test
  void chunkSizeInBytes_givesByteIdenticalJson() throws IOException {
    Path json = tmp.resolve("chunked.json");
    CliRun r = detect(json, "--chunk-size", "16KiB", "--batch", "2", "--max-heap", "1GiB");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(Files.readAllBytes(json)).isEqualTo(plain);
  }

  @Test
  void stride_processesEveryNthFrame() throws IOException {
    Path json = tmp.resolve("stride.json");
    CliRun r = detect(json, "--stride", "5");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(frameIds(json)).isEqualTo(LongStream.range(0, FRAMES).filter(f -> f % 5 == 0).boxed().toList());
    assertThat(r.errLines()[r.errLines().length - 1]).startsWith("gop10.mp4: " + FRAMES / 5 + " of " + FRAMES + " frames processed, ");
  }

  @Test
  void keyframesOnly_processesTheKeyFrames() throws IOException {
    Path json = tmp.resolve("keyframes.json");
    CliRun r = detect(json, "--keyframes-only");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(frameIds(json)).containsExactly(0L, 10L, 20L, 30L, 40L, 50L);
  }

  @Test
  void checkpointDir_sameJsonAndNoSegmentsLeft() throws IOException {
    Path json = tmp.resolve("checkpointed.json");
    Path checkpoint = tmp.resolve("journal");
    CliRun r = detect(json, "--chunk-size", "2s", "--checkpoint-dir", checkpoint.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(Files.readAllBytes(json)).isEqualTo(plain);
    try (Stream<Path> files = Files.list(checkpoint)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("segment-"));
    }
  }

  @Test
  void maxHeapTooSmall_exits1SayingWhatToChange() {
    Path json = tmp.resolve("never.json");
    CliRun r = detect(json, "--max-heap", "1MiB");

    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.FAILURE);
    assertThat(r.errLines()).filteredOn(l -> l.startsWith("framewise: ")).hasSize(1); // besides the SDK's log lines
    assertThat(r.err()).contains("maxHeap").contains("--max-heap").contains("FW-300")
        .doesNotContain("\tat ");
    assertThat(json).doesNotExist();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--chunk-size|banana",
      "--chunk-size|0s",
      "--chunk-size|0",
      "--chunk-size|-5s",
      "--max-heap|lots",
      "--max-heap|0",
      "--parallelism|0",
      "--parallelism|two",
      "--batch|0",
      "--stride|-1"})
  void badValue_isAUsageError(String option, String value) {
    Path json = tmp.resolve("never.json");
    CliRun r = detect(json, option, value);

    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.errLines()[0]).startsWith("framewise: ").contains(option).contains(value);
    assertThat(r.err()).doesNotContain("\tat ");
    assertThat(json).doesNotExist();
  }

  @Test
  void chunkSize_bananaSaysWhatIsExpected() {
    CliRun r = detect(tmp.resolve("never.json"), "--chunk-size", "banana");

    assertThat(r.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.errLines()[0]).isEqualTo("framewise: Invalid value for option '--chunk-size': 'banana' is neither "
        + "a data size (e.g. 512MiB, 64KiB, 1GiB) nor a duration (e.g. 500ms, 60s, 10m, 1h)");
  }

  @ParameterizedTest
  @CsvSource({
      "500ms, PT0.5S",
      "60s, PT60S",
      "10m, PT10M",
      "2min, PT2M",
      "1h, PT1H",
      "1.5s, PT1.5S",
      "60S, PT60S",
      "PT90S, PT1M30S"})
  void chunkSize_parsesDurations(String text, String iso) {
    assertThat(ChunkSize.parse(text)).isEqualTo(new ChunkSize(null, Duration.parse(iso)));
  }

  @ParameterizedTest
  @CsvSource({
      "512MiB, 536870912",
      "64KiB, 65536",
      "1GiB, 1073741824",
      "10M, 10485760",
      "4096, 4096"})
  void chunkSize_parsesDataSizes(String text, long bytes) {
    assertThat(ChunkSize.parse(text)).isEqualTo(new ChunkSize(DataSize.ofBytes(bytes), null));
  }

  @ParameterizedTest
  @ValueSource(strings = {"banana", "", "1.5GiB", "5 parsecs", "ms", "0ms", "0B", "P"})
  void chunkSize_rejects(String text) {
    assertThatThrownBy(() -> ChunkSize.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resize_picksWhoShrinksFrames_likeTheSdk() throws IOException {
    // a model 3/4 of the video's size (480x288, 48-px cells for the 64-px squares): frames shrink
    Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(480, 288).cell(48).build()
        .write(tmp.resolve("three-quarters.onnx"));
    Path fastJson = tmp.resolve("fast.json");
    Path opencvJson = tmp.resolve("opencv.json");
    CliRun fast = CliRun.of("detect", videoFile.toString(), "--model", model.toString(), "--out", fastJson.toString(),
        "--resize", "FAST");
    CliRun opencv = CliRun.of("detect", videoFile.toString(), "--model", model.toString(), "--out", opencvJson.toString());
    CliRun bad = CliRun.of("detect", videoFile.toString(), "--model", model.toString(), "--resize", "lanczos");

    assertThat(fast.exitCode()).as(fast.err()).isZero();
    assertThat(opencv.exitCode()).as(opencv.err()).isZero();
    assertThat(Files.readAllBytes(fastJson)).isEqualTo(sdkJson(model, ResizeMode.FAST));
    assertThat(Files.readAllBytes(opencvJson)).isEqualTo(sdkJson(model, ResizeMode.OPENCV));
    assertThat(Files.readAllBytes(opencvJson)).isNotEqualTo(Files.readAllBytes(fastJson));
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("'lanczos' is not a resize mode: use opencv or fast");
  }

  private static byte[] sdkJson(Path model, ResizeMode resize) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ModelSpec spec = resize == ResizeMode.OPENCV ? ModelSpec.of(model) : ModelSpec.builder(model).resize(resize).build();
    VideoDetector.open(videoFile).model(spec).writeJson(out);
    return out.toByteArray();
  }

  @Test
  void help_describesTheNewOptions() {
    CliRun help = CliRun.of("detect", "--help");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("--chunk-size=SIZE").contains("--max-heap=SIZE").contains("--parallelism=N")
        .contains("--batch=N").contains("--stride=N").contains("--keyframes-only").contains("--checkpoint-dir=DIR").contains("--resize=MODE");
  }
}
