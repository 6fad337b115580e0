package io.framewise.samples.cli;

import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.VideoDetector;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code framewise demo}: generates a video of coloured squares and a YOLOv8-layout detector that
 * finds exactly those squares, runs the real pipeline on them, and checks the JSON against the
 * ground truth. Needs no files from the user.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = FramewiseCli.Version.class,
    sortOptions = false,
    header = "Checks the whole pipeline on a generated video and detector (no input needed).",
    description = {
        "Runs the whole pipeline on a generated video of coloured squares and a generated YOLOv8-layout "
            + "detector whose answers are known exactly, then checks every frame of the JSON against the "
            + "ground truth. Needs no input files; the generated files are deleted at the end, the JSON is kept."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every object found, no false detections, frame ids 0..N-1 in order",
        "1:the check failed, or any other failure",
        "2:usage error",
        "3:the generated video could not be read",
        "4:the generated model could not be used"})
final class DemoCommand extends JobCommand {

  static final int WIDTH = 640;
  static final int HEIGHT = 384;
  static final double FRAME_RATE = 10;

  @Option(names = {"-o", "--out"}, paramLabel = "FILE", defaultValue = "framewise-demo.json",
      description = "Where to write the JSON (default: ${DEFAULT-VALUE} in the current directory).")
  Path outFile;

  @Option(names = "--frames", paramLabel = "N", defaultValue = "60",
      description = "Number of frames to generate (default: ${DEFAULT-VALUE}).")
  int frames;

  @Override
  int execute() throws IOException {
    if (frames < 1) {
      throw usage("Invalid value for option '--frames': must be at least 1, was " + frames);
    }
    Path json = outFile.toAbsolutePath();
    Logging.quietFfmpeg(verbose);
    Path dir = Files.createTempDirectory("framewise-demo-");
    try {
      SyntheticVideo video = SyntheticVideo.builder()
          .size(WIDTH, HEIGHT).frames(frames).frameRate(FRAME_RATE).codec("mpeg4").build();
      Path videoFile = video.write(dir.resolve("framewise-demo.mp4"));
      // metadata(true): the labels red/green/blue come from the model's own "names" entry.
      SyntheticDetector detector = SyntheticDetector.builder(SyntheticFamily.YOLOV8)
          .inputSize(640, 640).cell(64).metadata(true).build();
      Path modelFile = detector.write(dir.resolve("framewise-demo-yolov8.onnx"));

      DetectionJob job = VideoDetector.open(videoFile).model(modelFile);
      withProgress(job);
      long started = System.nanoTime();
      DetectionSummary summary = job.writeJson(json);
      long nanos = System.nanoTime() - started;
      endProgressLine();
      printSummary(String.valueOf(videoFile.getFileName()), summary, nanos, json.toString());

      DemoCheck check = DemoCheck.compare(video, json);
      boolean labelsOk = check.labels().equals(SyntheticDetector.LABELS);
      out.printf("Framewise demo: %d frames of a generated %dx%d video, generated YOLOv8-layout detector%n",
          frames, WIDTH, HEIGHT);
      out.printf("objects drawn: %d, found: %d, missed: %d, false detections: %d%n",
          check.drawn(), check.found(), check.missed(), check.falseDetections());
      out.printf("frame ids 0..%d in order: %s; JSON: %s%n", frames - 1,
          check.framesInOrder() ? "yes" : "NO (" + check.framesInJson() + " frame(s) in the JSON)", json);
      if (!labelsOk) {
        out.printf("labels: expected %s from the model's metadata, got %s%n", SyntheticDetector.LABELS, check.labels());
      }
      if (!check.complete()) {
        out.println("result: INCOMPLETE (the JSON says complete:false)");
      }
      out.flush();
      boolean passed = check.missed() == 0 && check.falseDetections() == 0 && check.framesInOrder() && labelsOk
          && check.complete() && summary.complete();
      return passed ? FramewiseCli.OK : FramewiseCli.FAILURE;
    } finally {
      deleteRecursively(dir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a temporary directory
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
