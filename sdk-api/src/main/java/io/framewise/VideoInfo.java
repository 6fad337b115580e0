package io.framewise;

import java.util.Objects;

/**
 * What the decoder learned about the video when it opened it.
 *
 * @param source the video's file name (without its directory, so output does not depend on where a
 *     file was stored)
 * @param width frame width in pixels
 * @param height frame height in pixels
 * @param frameRate the stream's frame rate in frames per second, 0 when unknown
 * @param codec the codec's short name, for example {@code h264}
 * @param durationMs the container's duration in milliseconds, 0 when unknown
 * @param declaredFrames the frame count the container declares, 0 when it declares none
 * @since 0.1
 */
public record VideoInfo(
    String source, int width, int height, double frameRate, String codec, double durationMs, long declaredFrames) {

  /**
   * Validates the fields.
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public VideoInfo {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(codec, "codec");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("frame size must be positive: " + width + "x" + height);
    }
  }
}
