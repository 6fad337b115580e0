package io.framewise.spi;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Part of the stream could not be decoded, but the decoder can go on (or end cleanly). The engine
 * counts {@link #framesLost()} in {@code framesFailed}, records the error in the summary (which is
 * then not complete) and carries on.
 *
 * @since 0.1
 */
public class FrameDecodeException extends IOException {

  private static final long serialVersionUID = 1L;

  private final long ptsMicros;
  private final int framesLost;
  private final String code;

  /**
   * Creates the exception.
   *
   * @param message what failed
   * @param ptsMicros time of the failed frame or packet, or {@code Long.MIN_VALUE} if unknown
   * @param framesLost frames known to be lost (1 for a failed frame or packet, 0 when unknown)
   * @param cause the underlying failure, or null
   */
  public FrameDecodeException(String message, long ptsMicros, int framesLost, @Nullable Throwable cause) {
    this("FW-105", message, ptsMicros, framesLost, cause);
  }

  /**
   * Creates the exception with a specific error code.
   *
   * @param code the stable error code reported in the summary, for example {@code FW-106} for a truncated stream
   * @param message what failed
   * @param ptsMicros time of the failed frame or packet, or {@code Long.MIN_VALUE} if unknown
   * @param framesLost frames known to be lost (1 for a failed frame or packet, 0 when unknown)
   * @param cause the underlying failure, or null
   */
  public FrameDecodeException(String code, String message, long ptsMicros, int framesLost, @Nullable Throwable cause) {
    super(message, cause);
    this.code = java.util.Objects.requireNonNull(code, "code");
    if (framesLost < 0) {
      throw new IllegalArgumentException("framesLost must be >= 0");
    }
    this.ptsMicros = ptsMicros;
    this.framesLost = framesLost;
  }

  /**
   * Returns the time of the failure.
   *
   * @return microseconds from the start of the stream, or {@code Long.MIN_VALUE} if unknown
   */
  public long ptsMicros() {
    return ptsMicros;
  }

  /**
   * Returns the error code reported in the summary.
   *
   * @return {@code FW-105} unless given
   */
  public String code() {
    return code;
  }

  /**
   * Returns how many frames are known to be lost.
   *
   * @return 1 for one failed frame or packet, 0 when unknown
   */
  public int framesLost() {
    return framesLost;
  }
}
