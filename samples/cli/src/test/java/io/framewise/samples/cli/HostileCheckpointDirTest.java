package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code detect --checkpoint-dir} onto something that is not a writable directory (issue 8, section
 * 6): one line naming the directory and what is wrong with it, exit 1, no output.
 */
class HostileCheckpointDirTest {

  @TempDir static Path shared;
  private static Path video;
  private static Path model;

  @TempDir Path tmp;

  @BeforeAll
  static void generate() {
    Logging.quietFfmpeg(false);
    video = SyntheticVideo.builder().frames(20).gopSize(10).build().write(shared.resolve("src.mp4"));
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("squares.onnx"));
  }

  @Test
  void checkpointDirThatIsAFile_failsNamingTheDirectoryAndWhy() throws IOException {
    Path file = Files.writeString(tmp.resolve("cp"), "user data");
    Path out = tmp.resolve("out.json");
    CliRun r = CliRun.of("detect", video.toString(), "--model", model.toString(), "--out", out.toString(),
        "--chunk-size", "1s", "--checkpoint-dir", file.toString());

    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).contains(file + ": cannot keep the checkpoint of src.mp4 here: it is a regular file, not a directory (FW-600)");
    assertThat(r.err().lines().filter(l -> l.contains("FW-600"))).hasSize(1);
    assertThat(out).as("no output").doesNotExist();
    assertThat(Files.readString(file)).as("the file is left alone").isEqualTo("user data");
  }

  @Test
  void checkpointDirUnderAFile_failsNamingTheDirectoryAndWhy() throws IOException {
    Path file = Files.writeString(tmp.resolve("plain"), "user data");
    Path dir = file.resolve("cp");
    Path out = tmp.resolve("out.json");
    CliRun r = CliRun.of("detect", video.toString(), "--model", model.toString(), "--out", out.toString(),
        "--checkpoint-dir", dir.toString());

    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).contains(dir + ": cannot keep the checkpoint of src.mp4 here: it cannot be created because " + file
        + " is a regular file, not a directory (FW-600)");
    assertThat(out).as("no output").doesNotExist();
  }
}
