package io.framewise.core;

import io.framewise.core.ffmpeg.FfmpegIndexer;
import io.framewise.core.ffmpeg.FfmpegInput;
import io.framewise.core.ffmpeg.FfmpegVideoDecoder;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.RemoteVideo;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoDecoderProvider;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The default decoder: FFmpeg (through JavaCV's bindings), software decoding of the first video
 * stream to packed BGR.
 *
 * <h2>Thread safety</h2>
 * Stateless and thread-safe; each {@link #open} returns a decoder for one thread.
 *
 * @since 0.1
 */
public final class FfmpegDecoderProvider implements VideoDecoderProvider {

  /** Creates the provider; loads no native code. */
  public FfmpegDecoderProvider() {}

  @Override
  public String name() {
    return "ffmpeg";
  }

  @Override
  public VideoDecoder open(Path video) {
    return FfmpegVideoDecoder.open(video);
  }

  @Override
  public VideoDecoder open(RemoteVideo video) {
    return FfmpegVideoDecoder.open(FfmpegInput.remote(video));
  }

  @Override
  public boolean supportsSegments() {
    return true;
  }

  @Override
  public VideoIndex index(Path video, PipelineOptions options) {
    return FfmpegIndexer.index(video, options);
  }

  @Override
  public VideoDecoder openSegment(Path video, VideoIndex index, VideoIndex.Segment segment, boolean keyframesOnly) throws IOException {
    return FfmpegVideoDecoder.openSegment(video, index, segment, keyframesOnly);
  }
}
