package io.framewise.samples.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;

import com.fasterxml.jackson.databind.JsonNode;
import io.framewise.samples.overlay.BoxPainter;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * A frame of the real clip with one known object (from the SDK's own result): the first frame after
 * {@code from} with exactly one detection, a confident one at least 40 px wide. The checks look at the
 * middle of the box's left edge, where the painter draws the class colour and the picture itself is not
 * that colour.
 */
record KnownBox(long frame, int classId, double x1, double y1, double x2, double y2) {

  static KnownBox find(byte[] referenceJson, long from) throws Exception {
    JsonNode doc = RestServer.JSON.readTree(referenceJson);
    for (JsonNode f : doc.get("frames")) {
      JsonNode dets = f.get("detections");
      if (f.get("frameId").asLong() < from || dets.size() != 1) {
        continue;
      }
      JsonNode d = dets.get(0);
      JsonNode b = d.get("box");
      if (d.get("score").asDouble() >= 0.6 && b.get("x2").asDouble() - b.get("x1").asDouble() >= 40) {
        return new KnownBox(f.get("frameId").asLong(), d.get("classId").asInt(), b.get("x1").asDouble(),
            b.get("y1").asDouble(), b.get("x2").asDouble(), b.get("y2").asDouble());
      }
    }
    throw new AssertionError("the reference has no frame with one confident object after frame " + from);
  }

  int edgeX() {
    return (int) Math.round(x1);
  }

  int midY() {
    return (int) Math.round((y1 + y2) / 2);
  }

  /** The drawn image has the class colour on the box's left edge (JPEG allows some error). */
  void assertDrawn(BufferedImage drawn, Path video, String what) throws Exception {
    Color want = BoxPainter.colour(classId);
    Color got = new Color(drawn.getRGB(edgeX(), midY()));
    assertThat(distance(got, want)).as(what + ": pixel (" + edgeX() + ", " + midY() + ") of frame " + frame + " is " + got
        + ", not the box colour " + want).isLessThan(60);
    // ... and the plain frame is not that colour there: the box was drawn, not found.
    Color plain = new Color(plainFrame(video).getRGB(edgeX(), midY()));
    assertThat(distance(plain, want) - distance(got, want)).as("the undrawn frame " + frame + " is " + plain
        + " there, the drawn one " + got).isGreaterThan(50);
  }

  private BufferedImage plainFrame(Path video) throws Exception {
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toFile());
        Java2DFrameConverter c = new Java2DFrameConverter()) {
      g.setPixelFormat(AV_PIX_FMT_BGR24);
      g.start();
      Frame f = null;
      for (long i = 0; i <= frame; i++) {
        f = g.grabImage();
      }
      return c.convert(f);
    }
  }

  static double distance(Color a, Color b) {
    int dr = a.getRed() - b.getRed();
    int dg = a.getGreen() - b.getGreen();
    int db = a.getBlue() - b.getBlue();
    return Math.sqrt(dr * dr + dg * dg + db * db);
  }
}
