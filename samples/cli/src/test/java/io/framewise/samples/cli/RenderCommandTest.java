package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.framewise.samples.overlay.BoxPainter;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import io.framewise.testkit.TruthBox;
import java.awt.Color;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code framewise render}: real FFmpeg decoding and encoding of a generated video whose boxes are known. */
class RenderCommandTest {

  private static final int FRAMES = 20;

  @TempDir static Path shared;
  private static SyntheticVideo video;
  private static Path videoFile;
  private static Path json;
  private static Path otherJson;

  @TempDir Path tmp;

  @BeforeAll
  static void generate() {
    video = SyntheticVideo.builder().frames(FRAMES).build();
    videoFile = video.write(shared.resolve("squares.mp4"));
    Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("squares.onnx"));
    json = detect(videoFile, model, shared.resolve("squares.json"));
    Path other = SyntheticVideo.builder().size(320, 192).objectSize(32).frames(12).build().write(shared.resolve("other.mp4"));
    otherJson = detect(other, model, shared.resolve("other.json"));
  }

  private static Path detect(Path videoFile, Path model, Path out) {
    CliRun r = CliRun.of("detect", videoFile.toString(), "--model", model.toString(), "--out", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    return out;
  }

  /** One decoded frame: BGR bytes and its timestamp relative to the first frame (µs). */
  private record Picture(byte[] bgr, int width, long relMicros) {
    int channel(int x, int y, int c) {
      return bgr[(y * width + x) * 3 + c] & 0xff;
    }
  }

  private static List<Picture> decode(Path file) throws Exception {
    List<Picture> pictures = new ArrayList<>();
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
      g.setPixelFormat(AV_PIX_FMT_BGR24);
      g.start();
      long first = Long.MIN_VALUE;
      Frame f;
      while ((f = g.grabImage()) != null) {
        if (first == Long.MIN_VALUE) {
          first = f.timestamp;
        }
        int w = f.imageWidth;
        byte[] bgr = new byte[w * f.imageHeight * 3];
        ByteBuffer buf = (ByteBuffer) f.image[0];
        for (int y = 0; y < f.imageHeight; y++) {
          buf.position(y * f.imageStride);
          buf.get(bgr, y * w * 3, w * 3);
        }
        pictures.add(new Picture(bgr, w, f.timestamp - first));
      }
    }
    return pictures;
  }

  private CliRun render(Path videoFile, Path result, Path out) {
    return CliRun.of("render", videoFile.toString(), "--result", result.toString(), "--out", out.toString());
  }

  @Test
  void drawsTheBoxesAndKeepsFramesTimingAndEverythingElse() throws Exception {
    Path out = tmp.resolve("annotated.mp4");
    CliRun r = render(videoFile, json, out);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.errLines()[r.errLines().length - 1]).startsWith("squares.mp4: " + FRAMES + " frames, ");

    List<Picture> source = decode(videoFile);
    List<Picture> rendered = decode(out);
    assertThat(rendered).hasSize(FRAMES).hasSameSizeAs(source);
    int half = new BoxPainter(video.width(), video.height()).stroke() / 2;
    double worstAway = 0;
    int edgesChecked = 0;
    int labelsChecked = 0;
    for (int f = 0; f < FRAMES; f++) {
      Picture s = source.get(f);
      Picture p = rendered.get(f);
      assertThat(p.relMicros()).as("pts of frame %d", f).isEqualTo(s.relMicros());
      boolean[] near = new boolean[video.width() * video.height()];
      for (TruthBox b : video.truth(f)) {
        int x1 = (int) Math.round(b.x1());
        int y1 = (int) Math.round(b.y1());
        int x2 = (int) Math.round(b.x2());
        int y2 = (int) Math.round(b.y2());
        Color c = BoxPainter.colour(b.classId());
        // The middle of the stroke on the left and bottom edges has the class colour.
        assertColour(p, x1, (y1 + y2) / 2, c, "left edge of class " + b.classId() + " in frame " + f);
        assertColour(p, (x1 + x2) / 2, y2, c, "bottom edge of class " + b.classId() + " in frame " + f);
        edgesChecked += 2;
        if (y1 >= 40) { // the tag is above the box: there the source is black background
          double diff = meanAbsDiff(s, p, x1, y1 - 12, x1 + 10, y1 - 4, null);
          assertThat(diff).as("label tag above class %d in frame %d differs from the background", b.classId(), f)
              .isGreaterThan(60);
          labelsChecked++;
        }
        // Everything the box and its tag may cover (the tag: at most 240 px wide, 60 px high).
        mark(near, x1 - half - 2, y1 - 60, Math.max(x2, x1 + 240) + half + 2, y2 + half + 2);
      }
      double away = meanAbsDiff(s, p, 0, 0, video.width(), video.height(), near);
      assertThat(away).as("mean abs difference away from the boxes in frame %d", f).isLessThan(4);
      worstAway = Math.max(worstAway, away);
    }
    assertThat(edgesChecked).isGreaterThan(20);
    assertThat(labelsChecked).isGreaterThan(5);
    System.out.printf("render: worst mean abs difference away from the boxes %.3f levels (%s)%n", worstAway,
        RenderCommand.encoder());
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files).containsExactly(out); // no temporary file left
    }
  }

  @Test
  void variableFrameRateKeepsEveryTimestamp() throws Exception {
    SyntheticVideo vfr = SyntheticVideo.builder().frames(12).variableFrameRate(true).build();
    Path dir = Files.createDirectories(tmp.resolve("vfr"));
    Path file = vfr.write(dir.resolve("vfr.mp4"));
    Path result = detect(file, SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("m.onnx")),
        dir.resolve("vfr.json"));
    Path out = tmp.resolve("vfr-annotated.mkv");
    CliRun r = render(file, result, out);
    assertThat(r.exitCode()).as(r.err()).isZero();
    List<Picture> source = decode(file);
    List<Picture> rendered = decode(out);
    assertThat(rendered.stream().map(Picture::relMicros).toList())
        .isEqualTo(source.stream().map(Picture::relMicros).toList());
    assertThat(rendered.get(4).relMicros()).isEqualTo(Math.round(vfr.ptsMs(4) * 1000)); // a gap of two ticks before it
  }

  @Test
  void aResultOfAnotherVideoIsRefused() throws Exception {
    Path out = tmp.resolve("annotated.mp4");
    CliRun r = render(videoFile, otherJson, out);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("framewise: " + otherJson + " is not the result of " + videoFile + ": video.");
    assertThat(out).doesNotExist();
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aResultWhoseTimestampsDifferIsRefused() throws Exception {
    String text = Files.readString(json);
    String frame5 = "{\"frameId\":5,\"ptsMs\":500.0,";
    assertThat(text).contains(frame5);
    Path edited = tmp.resolve("squares.json");
    Files.writeString(edited, text.replace(frame5, "{\"frameId\":5,\"ptsMs\":600.0,"));
    Path out = tmp.resolve("annotated.mp4");
    CliRun r = render(videoFile, edited, out);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.errLines()).containsExactly("framewise: " + edited + " is not the result of " + videoFile
        + ": frame 5 is at 600 ms in it but at 500 ms in the video");
    assertThat(out).doesNotExist();
  }

  @Test
  void aResultWithMoreFramesThanTheVideoIsRefused() throws Exception {
    String text = Files.readString(json);
    String last = "{\"frameId\":" + (FRAMES - 1) + ",";
    int at = text.indexOf(last);
    int end = text.indexOf('\n', at);
    String line = text.substring(at, end).replace(",\"ptsMs\":", ",\"ptsMsX\":"); // no pts to compare
    String extra = line.replace(last, "{\"frameId\":" + FRAMES + ",");
    Path edited = tmp.resolve("more.json");
    Files.writeString(edited, text.substring(0, end) + ",\n" + extra + text.substring(end));
    Path out = tmp.resolve("annotated.mp4");
    CliRun r = render(videoFile, edited, out);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.errLines()).containsExactly("framewise: " + edited + " is not the result of " + videoFile
        + ": it has frame " + FRAMES + " but the video has " + FRAMES + " frames");
    assertThat(out).doesNotExist();
  }

  @Test
  void anUnterminatedResultIsRefused() throws Exception {
    String text = Files.readString(json);
    Path cut = tmp.resolve("cut.json");
    Files.writeString(cut, text.substring(0, text.indexOf("{\"frameId\":7,")));
    CliRun r = render(videoFile, cut, tmp.resolve("annotated.mp4"));
    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains(cut + ": not a usable Framewise result: the document ends early");
    assertThat(tmp.resolve("annotated.mp4")).doesNotExist();
  }

  @Test
  void anOutputOntoAnInputIsRefusedBeforeAnyWork() throws Exception {
    byte[] before = Files.readAllBytes(videoFile);
    CliRun r = render(videoFile, json, videoFile);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.errLines()).containsExactly("framewise: " + videoFile + ": --out is the same file as the input "
        + videoFile + "; choose another output file");
    assertThat(Files.readAllBytes(videoFile)).isEqualTo(before);

    Path link = Files.createSymbolicLink(tmp.resolve("link.json"), json);
    byte[] jsonBefore = Files.readAllBytes(json);
    r = render(videoFile, json, link);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.err()).contains("--out is the same file as the input " + json);
    assertThat(Files.readAllBytes(json)).isEqualTo(jsonBefore);

    r = render(videoFile, json, tmp);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(FramewiseCli.USAGE);
    assertThat(r.err()).contains("--out is a directory");
  }

  @Test
  void aMissingVideoIsExit3() {
    Path missing = tmp.resolve("nope.mp4");
    CliRun r = render(missing, json, tmp.resolve("a.mp4"));
    assertThat(r.exitCode()).isEqualTo(FramewiseCli.MEDIA);
    assertThat(r.errLines()).containsExactly("framewise: " + missing + ": the video does not exist");
  }

  @Test
  void sigtermWhileRenderingLeavesNoFile() throws Exception {
    SyntheticVideo longer = SyntheticVideo.builder().frames(1500).gopSize(25).build();
    Path in = Files.createDirectories(tmp.resolve("in"));
    Path file = longer.write(in.resolve("long.mp4"));
    // A result for it (no detections needed to be decoded, drawn and encoded frame after frame).
    StringBuilder doc = new StringBuilder("{\"schemaVersion\":1,\"video\":{\"width\":640,\"height\":384},\"frames\":[\n");
    for (int f = 0; f < longer.frames(); f++) {
      doc.append(f == 0 ? "" : ",\n").append("{\"frameId\":").append(f).append(",\"detections\":[{\"classId\":1,"
          + "\"label\":\"green\",\"score\":0.5,\"box\":{\"x1\":10,\"y1\":40,\"x2\":200,\"y2\":300}}]}");
    }
    doc.append("\n],\"summary\":{\"complete\":true}}");
    Path result = Files.writeString(in.resolve("long.json"), doc);
    Path outDir = Files.createDirectories(tmp.resolve("out"));
    Path stderr = tmp.resolve("stderr.txt");
    ProcessBuilder launch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", FramewiseCli.class.getName(), "render", file.toString(), "--result", result.toString(),
        "--out", outDir.resolve("annotated.mp4").toString())
        .redirectOutput(tmp.resolve("stdout.txt").toFile()).redirectError(stderr.toFile());
    launch.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    Process child = launch.start();
    try {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      while (listNames(outDir).isEmpty()) {
        assertThat(child.isAlive()).as("rendering when signalled: %s", Files.exists(stderr) ? Files.readString(stderr) : "")
            .isTrue();
        assertThat(System.nanoTime()).as("the temporary output appears").isLessThan(deadline);
        Thread.sleep(20);
      }
      Thread.sleep(500); // into the frames
      assertThat(child.isAlive()).as("still rendering when signalled").isTrue();
      child.destroy(); // SIGTERM
      assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(child.exitValue()).as(Files.readString(stderr)).isEqualTo(143);
    assertThat(listNames(outDir)).as("no output and no temporary file").isEmpty();
  }

  private static List<String> listNames(Path dir) throws java.io.IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** The real clip with the golden result: every frame drawn; reports the speed. */
  @Test
  void realClip() throws Exception {
    String dir = System.getenv("FRAMEWISE_TESTDATA");
    assumeTrue(dir != null && !dir.isBlank(), "FRAMEWISE_TESTDATA is not set: skipping the real clip");
    Path clip = Path.of(dir, "videos/one-by-one-person-detection.mp4");
    Path golden = Path.of(dir, "golden/yolox_nano__one-by-one-person-detection.json");
    assertThat(clip).isRegularFile();
    assertThat(golden).isRegularFile();
    Path out = tmp.resolve("clip.mp4");
    CliRun r = render(clip, golden, out);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).contains("one-by-one-person-detection.mp4: 1394 frames, 2055 boxes drawn");
    System.out.println("render, real clip: " + r.errLines()[r.errLines().length - 1]);
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(out.toFile())) {
      g.setPixelFormat(AV_PIX_FMT_BGR24);
      g.start();
      assertThat(g.getImageWidth()).isEqualTo(768);
      assertThat(g.getImageHeight()).isEqualTo(432);
      int n = 0;
      Frame f;
      while ((f = g.grabImage()) != null) {
        if (n == 150) { // golden: person (class 0) at x1=383.395, y1=15.89, x2=517.207, y2=401.858
          ByteBuffer buf = (ByteBuffer) f.image[0];
          int at = 200 * f.imageStride + 383 * 3;
          Picture p = new Picture(new byte[] {buf.get(at), buf.get(at + 1), buf.get(at + 2)}, 1, 0);
          assertColour(p, 0, 0, BoxPainter.colour(0), "left edge of the person in frame 150 of the real clip");
        }
        n++;
      }
      assertThat(n).isEqualTo(1394);
    }
  }

  private static void mark(boolean[] near, int x1, int y1, int x2, int y2) {
    for (int y = Math.max(0, y1); y < Math.min(video.height(), y2); y++) {
      for (int x = Math.max(0, x1); x < Math.min(video.width(), x2); x++) {
        near[y * video.width() + x] = true;
      }
    }
  }

  private static double meanAbsDiff(Picture a, Picture b, int x1, int y1, int x2, int y2, boolean[] skip) {
    long sum = 0;
    long n = 0;
    for (int y = Math.max(0, y1); y < Math.min(video.height(), y2); y++) {
      for (int x = Math.max(0, x1); x < Math.min(video.width(), x2); x++) {
        if (skip != null && skip[y * video.width() + x]) {
          continue;
        }
        for (int c = 0; c < 3; c++) {
          sum += Math.abs(a.channel(x, y, c) - b.channel(x, y, c));
          n++;
        }
      }
    }
    assertThat(n).isPositive();
    return (double) sum / n;
  }

  private static void assertColour(Picture p, int x, int y, Color expected, String what) {
    int tolerance = 48; // 4:2:0 chroma and the encoder's error on a 4-pixel line
    assertThat(new int[] {p.channel(x, y, 2), p.channel(x, y, 1), p.channel(x, y, 0)}).as(what)
        .satisfies(rgb -> {
          assertThat(Math.abs(rgb[0] - expected.getRed())).as(what + " red").isLessThanOrEqualTo(tolerance);
          assertThat(Math.abs(rgb[1] - expected.getGreen())).as(what + " green").isLessThanOrEqualTo(tolerance);
          assertThat(Math.abs(rgb[2] - expected.getBlue())).as(what + " blue").isLessThanOrEqualTo(tolerance);
        });
  }
}
