package io.framewise.samples.rest;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;

import io.framewise.samples.overlay.BoxPainter;
import io.framewise.samples.overlay.ResultStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.jspecify.annotations.Nullable;

/**
 * Draws frame n of a complete job: decodes the job's video in presentation order (as the SDK numbers its
 * frames) up to frame n, reads the result document up to the same frame, and paints its boxes with the
 * CLI's {@link BoxPainter}. Stepping forward continues from the last frame; stepping back starts again
 * from the beginning. Holds one decoded frame and one result frame, whatever the length of the video.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: one request at a time draws.
 */
final class FrameCursor implements AutoCloseable {

  private final Path video;
  private final Path result;
  private @Nullable FFmpegFrameGrabber grabber;
  private @Nullable ResultStream json;
  private final Java2DFrameConverter converter = new Java2DFrameConverter();
  private @Nullable BoxPainter painter;
  /** Id of the next frame the grabber returns. */
  private long next;
  private ResultStream.@Nullable FrameResult pending;

  FrameCursor(Path video, Path result) {
    this.video = video;
    this.result = result;
  }

  /**
   * Draws a frame.
   *
   * @param n the frame id, below the job's decoded frame count
   * @return the frame as a JPEG
   * @throws Problem FW-856 (404) when the video has no frame n
   */
  synchronized byte[] jpeg(long n) {
    try {
      if (grabber == null || n < next) {
        reopen();
      }
      Frame frame = null;
      while (next <= n) {
        frame = grabber.grabImage();
        if (frame == null) {
          throw new Problem(404, "FW-856", "No such frame", "the video has no frame " + n + " (it has " + next + ")");
        }
        next++;
      }
      List<ResultStream.Detection> boxes = List.of();
      while (pending != null && pending.frameId() < n) {
        pending = json.next();
      }
      if (pending != null && pending.frameId() == n) {
        boxes = pending.detections();
      }
      BufferedImage image = converter.convert(frame);
      painter.paint(image, boxes);
      ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
      ImageIO.write(image, "jpg", out);
      return out.toByteArray();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      if (!(e instanceof Problem)) {
        close();
      }
      throw e;
    }
  }

  private void reopen() throws IOException {
    close();
    FFmpegFrameGrabber g = new FFmpegFrameGrabber("file:" + video.toAbsolutePath());
    // The SDK has already accepted this file; still, FFmpeg may open no other file or protocol.
    g.setOption("protocol_whitelist", "file");
    g.setPixelFormat(AV_PIX_FMT_BGR24);
    g.start();
    grabber = g;
    painter = new BoxPainter(g.getImageWidth(), g.getImageHeight());
    json = ResultStream.open(result);
    pending = json.next();
    next = 0;
  }

  @Override
  public synchronized void close() {
    try {
      if (grabber != null) {
        grabber.close();
      }
    } catch (FrameGrabber.Exception ignored) {
      // releasing
    }
    try {
      if (json != null) {
        json.close();
      }
    } catch (IOException ignored) {
      // releasing
    }
    grabber = null;
    json = null;
    pending = null;
  }
}
