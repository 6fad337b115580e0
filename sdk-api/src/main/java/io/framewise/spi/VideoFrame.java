package io.framewise.spi;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One decoded frame: packed 8-bit BGR pixels, row by row.
 *
 * <h2>Lifecycle</h2>
 * The pixel buffer is <em>borrowed</em>: the decoder reuses it for the next frame, so a consumer that
 * keeps pixels beyond the call that received the frame must {@link #copy()} it.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param stride bytes from the start of one row to the start of the next ({@code >= 3 * width})
 * @param bgr the pixels, starting at position 0 (the record does not move the buffer's position)
 * @param ptsMicros presentation time in microseconds from the first frame of the stream
 * @param index the frame's position among all frames of the stream in presentation order (its frame
 *     id), or -1 when the decoder does not track it (the engine then counts frames itself)
 * @param sourceWidth the width of the frame in the video; differs from {@code width} when the decoder
 *     delivered it scaled (see {@link VideoDecoder#scaleTo})
 * @param sourceHeight the height of the frame in the video
 * @since 0.1
 */
public record VideoFrame(int width, int height, int stride, ByteBuffer bgr, long ptsMicros, long index, int sourceWidth,
    int sourceHeight) {

  /**
   * Creates a frame whose index the decoder does not track.
   *
   * @param width width in pixels
   * @param height height in pixels
   * @param stride bytes per row
   * @param bgr the pixels
   * @param ptsMicros presentation time in microseconds
   */
  public VideoFrame(int width, int height, int stride, ByteBuffer bgr, long ptsMicros) {
    this(width, height, stride, bgr, ptsMicros, -1, width, height);
  }

  /**
   * Creates an unscaled frame with its id.
   *
   * @param width width in pixels
   * @param height height in pixels
   * @param stride bytes per row
   * @param bgr the pixels
   * @param ptsMicros presentation time in microseconds
   * @param index the frame id, or -1
   */
  public VideoFrame(int width, int height, int stride, ByteBuffer bgr, long ptsMicros, long index) {
    this(width, height, stride, bgr, ptsMicros, index, width, height);
  }

  /** Validates the geometry. */
  public VideoFrame {
    if (sourceWidth <= 0 || sourceHeight <= 0) {
      throw new IllegalArgumentException("source size must be positive: " + sourceWidth + "x" + sourceHeight);
    }
    if (index < -1) {
      throw new IllegalArgumentException("index must be >= -1, was " + index);
    }
    Objects.requireNonNull(bgr, "bgr");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("frame size must be positive: " + width + "x" + height);
    }
    if (stride < 3 * width) {
      throw new IllegalArgumentException("stride " + stride + " is shorter than a row of " + width + " BGR pixels");
    }
    if (bgr.capacity() < (long) stride * (height - 1) + 3L * width) {
      throw new IllegalArgumentException("buffer of " + bgr.capacity() + " bytes is too small for " + width + "x" + height);
    }
  }

  /**
   * Returns a copy whose pixels the caller owns (tightly packed, {@code stride == 3 * width}).
   *
   * @return a frame with its own heap buffer
   */
  public VideoFrame copy() {
    int row = 3 * width;
    ByteBuffer dst = ByteBuffer.allocate(row * height);
    for (int y = 0; y < height; y++) {
      dst.put(y * row, bgr, y * stride, row);
    }
    return new VideoFrame(width, height, row, dst, ptsMicros, index, sourceWidth, sourceHeight);
  }

  /**
   * Returns the presentation time in milliseconds.
   *
   * @return {@code ptsMicros / 1000.0}
   */
  public double ptsMs() {
    return ptsMicros / 1000.0;
  }
}
