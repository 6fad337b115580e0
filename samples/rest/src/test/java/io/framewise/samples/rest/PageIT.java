package io.framewise.samples.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;

/**
 * The page in headless Chromium (Debian's {@code chromium}, driven by playwright-core from
 * {@code src/test/js}): upload the real clip's first 150 frames through the page's form, wait for 100 %, step
 * to a frame with a known object (from the SDK's own result), and find its box drawn on the image the page shows. Needs {@code /usr/bin/chromium} (or
 * {@code FRAMEWISE_CHROMIUM}) and {@code npm ci --prefix samples/rest/src/test/js}; without them the test is
 * skipped with a message, except under CI ({@code CI=true}), where it fails.
 */
class PageIT {

  private static final Path JS = Path.of("src/test/js").toAbsolutePath();

  @Test
  void uploadWaitForAllFramesAndSeeTheBoxOnAFrame() throws Exception {
    Path chromium = Path.of(System.getenv().getOrDefault("FRAMEWISE_CHROMIUM", "/usr/bin/chromium"));
    requireTool(Files.isExecutable(chromium), chromium + " is missing: apt-get install -y chromium chromium-driver");
    requireTool(Files.isDirectory(JS.resolve("node_modules/playwright-core")),
        "playwright-core is not installed: npm ci --prefix samples/rest/src/test/js");
    RestServer server = RestServer.shared();
    server.deleteAll();
    Path out = Files.createDirectories(RestServer.TARGET.resolve("it-page"));
    Files.deleteIfExists(out.resolve("frame.png"));
    // The real clip's first 150 frames (one person walks in), re-encoded: the full clip runs in RestServiceIT.
    Path clip = cut(RestServer.clip(), 150, out.resolve("first-150-frames.mp4"));
    byte[] reference = referenceOf(clip, out.resolve("first-150-frames.json"));
    KnownBox known = KnownBox.find(reference, 1);

    Process node = new ProcessBuilder(List.of("node", JS.resolve("page.mjs").toString(), server.base,
        clip.toString(), Long.toString(known.frame()), out.toString(), chromium.toString()))
        .redirectErrorStream(true).redirectOutput(out.resolve("node.log").toFile()).start();
    if (!node.waitFor(900, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      fail("the page test did not end in 900 s: " + Files.readString(out.resolve("node.log")));
    }
    String log = Files.readString(out.resolve("node.log"), StandardCharsets.UTF_8);
    assertThat(node.exitValue()).as(log).isZero();
    JsonNode result = RestServer.JSON.readTree(log.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    assertThat(result.get("ok").asBoolean()).as(log).isTrue();
    assertThat(result.get("bar").asText()).isEqualTo("100");
    assertThat(result.get("shown").asText()).isEqualTo(Long.toString(known.frame()));
    assertThat(result.get("src").asText()).endsWith("/frames/" + known.frame() + ".jpg");
    assertThat(result.get("meters").asText()).contains("framewise.frames.processed", "framewise.job.duration");
    // Shown at its natural size (768x432), so the screenshot's pixels are the image's.
    assertThat(result.get("size").get(0).asInt()).isEqualTo(768);
    assertThat(result.get("size").get(2).asDouble()).isEqualTo(768.0);
    known.assertDrawn(ImageIO.read(out.resolve("frame.png").toFile()), clip, "the page's frame " + known.frame());
  }

  /** Re-encodes the first {@code frames} frames of a video (MPEG-4 Part 2 at high quality, same size and rate). */
  static Path cut(Path video, int frames, Path out) throws Exception {
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toFile())) {
      g.start();
      try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(out.toFile(), g.getImageWidth(), g.getImageHeight(), 0)) {
        r.setFormat("mp4");
        r.setVideoCodecName("mpeg4");
        r.setVideoQuality(2);
        r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        r.setFrameRate(g.getFrameRate());
        r.start();
        for (int i = 0; i < frames; i++) {
          Frame f = g.grabImage();
          assertThat(f).as("frame " + i + " of " + video).isNotNull();
          r.record(f);
        }
        r.stop();
      }
    }
    return out;
  }

  /** The SDK's own JSON for a video, with the server's model and labels. */
  static byte[] referenceOf(Path video, Path json) throws Exception {
    Path data = RestServer.testData();
    DetectionSummary s = VideoDetector.builder().build().newJob(video)
        .model(ModelSpec.builder(data.resolve("models/yolox_nano.onnx")).labelsFile(data.resolve("labels/coco.names")).build())
        .writeJson(json);
    assertThat(s.complete()).isTrue();
    return Files.readAllBytes(json);
  }

  /** Skips without the browser tools, except under CI, which must have them. */
  private static void requireTool(boolean present, String message) {
    if (!present && "true".equals(System.getenv("CI"))) {
      fail(message + " (CI=true: .ci/run must install it)");
    }
    assumeTrue(present, message);
  }
}
