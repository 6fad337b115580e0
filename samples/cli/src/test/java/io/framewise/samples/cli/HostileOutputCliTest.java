package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, sections 2 and 9 through the CLI: {@code --out} onto an input (any spelling or link), a
 * directory or a special file, checked before any work; output failures and file names in messages.
 * In-process CLI on a generated video and model (real FFmpeg and ONNX Runtime).
 */
class HostileOutputCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FRAMES = 10;

  @TempDir static Path shared;
  private static Path videoSource;
  private static Path modelSource;

  @TempDir Path dir;
  private Path video;
  private Path model;
  private Path labels;

  @BeforeAll
  static void generate() {
    Logging.quietFfmpeg(false);
    videoSource = SyntheticVideo.builder().frames(FRAMES).build().write(shared.resolve("clip.mp4"));
    modelSource = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("det.onnx"));
  }

  @BeforeEach
  void copyInputs() throws IOException {
    video = Files.copy(videoSource, dir.resolve("clip.mp4"));
    model = Files.copy(modelSource, dir.resolve("det.onnx"));
    labels = Files.writeString(dir.resolve("labels.txt"), "red\ngreen\nblue\n");
  }

  @Test
  void outOntoTheVideo_isAUsageErrorAndTheVideoSurvives() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    for (Path out : List.of(video, sub.resolve("../clip.mp4"), dir.resolve("./clip.mp4"),
        Files.createSymbolicLink(dir.resolve("link.json"), video), Files.createLink(dir.resolve("hard.json"), video))) {
      refused(out.toString(), "FW-501", "video");
    }
  }

  @Test
  void outOntoTheModelOrTheLabels_isAUsageError() throws IOException {
    refused(model.toString(), "FW-501", "model");
    refused(Files.createSymbolicLink(dir.resolve("m.json"), model).toString(), "FW-501", "model");
    refused(labels.toString(), "FW-501", "labels file");
    refused(Files.createLink(dir.resolve("l.json"), labels).toString(), "FW-501", "labels file");
  }

  @Test
  void outInTheCheckpointDirectory_isAUsageError() throws IOException {
    Path ckpt = Files.createDirectory(dir.resolve("ckpt"));
    Path journal = Files.writeString(ckpt.resolve("job.properties"), "keep");
    refused(journal.toString(), "FW-501", "checkpoint directory", "--chunk-size", "64KiB", "--checkpoint-dir", ckpt.toString());
    refused(ckpt.resolve("out.json").toString(), "FW-501", "checkpoint directory", "--checkpoint-dir", ckpt.toString());
    assertThat(Files.readString(journal)).isEqualTo("keep");
  }

  @Test
  void outThatIsADirectory_isRefusedBeforeTheVideoIsRead() throws IOException {
    Path out = Files.createDirectory(dir.resolve("out.json"));
    // the video does not exist: reading it first would have been exit 3, FW-100
    CliRun r = CliRun.of("detect", dir.resolve("missing.mp4").toString(), "--model", model.toString(), "--out", out.toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("framewise: " + out + ": ").contains("directory").contains("FW-502");
    assertThat(out).isEmptyDirectory();
  }

  @Test
  void missingFoldersAreCreated_andAFileInTheWayIsRefused() throws IOException {
    Path out = dir.resolve("new/deeper/out.json");
    CliRun ok = CliRun.of("detect", video.toString(), "--model", model.toString(), "--out", out.toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(JSON.readTree(out.toFile()).path("frames")).hasSize(FRAMES);

    CliRun failed = CliRun.of("detect", dir.resolve("missing.mp4").toString(), "--model", model.toString(),
        "--out", dir.resolve("other/out.json").toString());
    assertThat(failed.exitCode()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(dir.resolve("other")).doesNotExist(); // a failed run takes back the folders it made

    Path file = Files.writeString(dir.resolve("file"), "x");
    CliRun r = CliRun.of("detect", video.toString(), "--model", model.toString(), "--out", file.resolve("out.json").toString());
    assertThat(r.exitCode()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.err()).contains("FW-503").contains("not a directory");
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  @Test
  void devNull_andALinkToIt_areWrittenThroughAndStayWhatTheyWere() throws IOException {
    Path devNull = Path.of("/dev/null");
    assumeTrue(Files.exists(devNull), "no /dev/null here");
    Path link = Files.createSymbolicLink(dir.resolve("null.json"), devNull);
    for (Path out : List.of(devNull, link)) {
      CliRun r = CliRun.of("detect", video.toString(), "--model", model.toString(), "--out", out.toString());
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).isEmpty();
    }
    assertThat(Files.isRegularFile(devNull)).isFalse();
    assertThat(((Integer) Files.getAttribute(devNull, "unix:mode")) & 0170000).isEqualTo(0020000); // a character device
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(devNull);
  }

  @Test
  void fullDevice_namesTheOutputAndWhy() {
    Path full = Path.of("/dev/full");
    assumeTrue(Files.exists(full), "no /dev/full here");
    CliRun r = CliRun.of("detect", video.toString(), "--model", model.toString(), "--out", full.toString());
    assertThat(r.exitCode()).isEqualTo(FramewiseCli.FAILURE);
    String last = r.errLines()[r.errLines().length - 1]; // after the INFO line saying where the model runs
    assertThat(last).startsWith("framewise: /dev/full: cannot write the JSON").contains("No space left on device")
        .contains("FW-500").doesNotContain("clip.mp4");
    assertThat(r.err()).doesNotContain("frames, "); // no summary line: nothing presented as done
  }

  @Test
  void controlCharactersInNames_areEscaped_neverSentRaw() throws IOException {
    String evil = "evil\n\u001b]0;pwned\u0007\r.mp4";
    CliRun r = CliRun.of("detect", dir.resolve(evil).toString(), "--model", model.toString());
    assertThat(r.exitCode()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("evil\\n\\x1b]0;pwned\\x07\\r.mp4").contains("FW-100");
    assertNoControlCharacters(r.err());

    // a name that works: the summary line shows it escaped too
    Path named = Files.copy(video, dir.resolve("ok\tname\u001b.mp4"));
    Path out = dir.resolve("out\n.json");
    CliRun ok = CliRun.of("detect", named.toString(), "--model", model.toString(), "--out", out.toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(ok.err()).contains("ok\\tname\\x1b.mp4: " + FRAMES + " frames").contains("out\\n.json");
    assertNoControlCharacters(ok.err());
  }

  @Test
  void labelsThatAreNotUtf8_isAModelErrorNamingTheFile() throws IOException {
    Path latin1 = Files.write(dir.resolve("labels-latin1.txt"), "rot\ngr\u00fcn\nblau\n".getBytes(StandardCharsets.ISO_8859_1));
    Path out = dir.resolve("out.json");
    CliRun r = CliRun.of("detect", video.toString(), "--model", model.toString(), "--labels", latin1.toString(),
        "--out", out.toString());
    assertThat(r.exitCode()).isEqualTo(FramewiseCli.MODEL);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("labels-latin1.txt").contains("not UTF-8").contains("FW-203").doesNotContain("Input length");
    assertThat(out).doesNotExist();
  }

  /** {@code detect --out OUT} is exit 2 with one line naming OUT and the input; every input and file stays as it was. */
  private void refused(String out, String code, String role, String... extra) throws IOException {
    String[] before = {sha256(video), sha256(model), sha256(labels)};
    List<Path> listing = listing();
    List<String> args = new ArrayList<>(List.of("detect", video.toString(), "--model", model.toString(),
        "--labels", labels.toString(), "--out", out));
    args.addAll(List.of(extra));
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertThat(r.exitCode()).as("--out %s: %s", out, r.err()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.errLines()).as(r.err()).hasSize(1);
    assertThat(r.err()).startsWith("framewise: " + out + ": ").contains(role).contains(code);
    assertThat(r.out()).isEmpty();
    assertThat(new String[] {sha256(video), sha256(model), sha256(labels)}).as("inputs after --out %s", out).isEqualTo(before);
    assertThat(listing()).as("nothing created or removed for --out %s", out).isEqualTo(listing);
  }

  private List<Path> listing() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.sorted().toList();
    }
  }

  private static void assertNoControlCharacters(String err) {
    String withoutLineEnds = err.replace(System.lineSeparator(), "");
    assertThat(withoutLineEnds.chars().filter(c -> c < 0x20 || c == 0x7f)).as(err).isEmpty();
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
