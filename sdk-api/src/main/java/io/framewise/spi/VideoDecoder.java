package io.framewise.spi;

import io.framewise.VideoInfo;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the frames of a video's first video stream in presentation order.
 *
 * <h2>Thread safety</h2>
 * Not thread-safe: one job uses it from one thread.
 *
 * <h2>Lifecycle</h2>
 * Opened by {@link VideoDecoderProvider#open}; the engine closes it.
 *
 * @since 0.1
 */
public interface VideoDecoder extends AutoCloseable {

  /**
   * Returns what was learned about the video when it was opened.
   *
   * @return the video's description
   */
  VideoInfo info();

  /**
   * Decodes the next frame. The returned frame's pixels are borrowed until the next call.
   *
   * @return the next frame in presentation order, or null at the end of the stream
   * @throws FrameDecodeException if one frame failed and decoding can go on
   * @throws IOException if decoding cannot go on
   */
  @Nullable VideoFrame next() throws IOException;

  /**
   * Asks the decoder to decode with this many threads, before the first {@link #next()}. The engine
   * asks for fewer threads when inference already keeps most cores busy. A decoder may ignore it.
   *
   * @param threads decoding threads, or 0 for the decoder's own choice
   * @return true when the decoder will use them; false when it ignores the request (the default)
   * @since 0.1
   */
  default boolean decodingThreads(int threads) {
    return false;
  }

  /**
   * Asks the decoder to deliver frames scaled to this size (for example the size a model resizes them
   * to), which saves converting and copying full-size frames. Frames keep their video size in
   * {@link VideoFrame#sourceWidth()} and {@link VideoFrame#sourceHeight()}.
   *
   * @param width the wanted width
   * @param height the wanted height
   * @return true when frames will come scaled; false when the decoder delivers them at their own size
   */
  default boolean scaleTo(int width, int height) {
    return false;
  }

  /** Releases native memory and file handles. Idempotent. */
  @Override
  void close();
}
