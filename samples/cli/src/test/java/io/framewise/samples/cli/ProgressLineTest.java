package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.DetectionSummary;
import io.framewise.VideoDetector;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 §1: the progress line and the summary line of detect/demo agree. With {@code --stride 5} on a
 * 60-frame clip the last progress line says 60 of 60 frames covered and 12 processed, and the summary
 * says 12 of 60 frames processed, at the same kind of speed (the video's frames per second). A real
 * job feeds the real {@link ConsoleProgress}.
 */
class ProgressLineTest {

  @TempDir Path tmp;

  @Test
  void stride_progressLineAndSummary_countTheSameFrames() {
    Path video = SyntheticVideo.builder().size(320, 192).frames(60).gopSize(10).codec("mpeg4").build().write(tmp.resolve("clip.mp4"));
    Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(tmp.resolve("v8.onnx"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ConsoleProgress progress = new ConsoleProgress(err);

    long t0 = System.nanoTime();
    DetectionSummary s = VideoDetector.open(video).model(model).frameStride(5).progress(progress).writeJson(tmp.resolve("out.json"));
    long nanos = System.nanoTime() - t0;
    progress.end();
    String[] redraws = bytes.toString(StandardCharsets.UTF_8).strip().split("\r");
    String lastProgress = redraws[redraws.length - 1].strip();
    String summary = JobCommand.summaryLine("clip.mp4", s, nanos, "out.json");
    System.out.println("ProgressLineTest: " + lastProgress + " | " + summary);

    assertThat(lastProgress).startsWith("frames 60/60 (100%), 12 processed, ");
    assertThat(summary).startsWith("clip.mp4: 12 of 60 frames processed, ").contains(" detections, ").endsWith(" -> out.json");
    assertThat(s.framesProcessed()).isEqualTo(12);
    assertThat(s.framesDecoded()).isEqualTo(60);
  }

  @Test
  void everyFrame_linesStayAsTheyWere() {
    Path video = SyntheticVideo.builder().size(320, 192).frames(20).build().write(tmp.resolve("all.mp4"));
    Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(tmp.resolve("v8.onnx"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    DetectionSummary s = VideoDetector.open(video).model(model).progress(progress).writeJson(tmp.resolve("all.json"));
    String[] redraws = bytes.toString(StandardCharsets.UTF_8).strip().split("\r");

    assertThat(redraws[redraws.length - 1].strip()).startsWith("frames 20/20 (100%), ").doesNotContain("processed");
    assertThat(JobCommand.summaryLine("all.mp4", s, 1_000_000_000L, "all.json")).startsWith("all.mp4: 20 frames, ")
        .contains("(20.0 fps)");
  }
}
