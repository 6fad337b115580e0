/**
 * Framewise's public API: the {@link io.framewise.VideoDetector} entry point, value types and exceptions
 * ({@code io.framewise}), and the service interfaces that decoders, model adapters, result writers and
 * engines implement ({@code io.framewise.spi}). JDK only.
 */
module io.framewise {
  requires static org.jspecify;

  exports io.framewise;
  exports io.framewise.spi;

  uses io.framewise.spi.VideoDecoderProvider;
  uses io.framewise.spi.ModelAdapterProvider;
  uses io.framewise.spi.ResultWriterProvider;
  uses io.framewise.spi.DetectionEngine;
}
