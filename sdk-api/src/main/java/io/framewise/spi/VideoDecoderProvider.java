package io.framewise.spi;

import io.framewise.MediaException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens decoders. Selected by the name {@code framewise.decoder} / {@code FRAMEWISE_DECODER}.
 *
 * @since 0.1
 */
public interface VideoDecoderProvider extends Provider {

  /**
   * Opens a video for decoding.
   *
   * @param video the file
   * @return a decoder positioned before the first frame
   * @throws MediaException if the file is missing, empty, corrupt or has no decodable video stream
   * @throws IOException if reading fails for another reason
   */
  VideoDecoder open(Path video) throws IOException;

  /**
   * Opens a remote video. The decoder reads it with the protocols of
   * {@link RemoteVideo#allowedSchemes()} only, and opens nothing named inside it (no playlist, no
   * local file).
   *
   * @param video the remote video, whose scheme the detector allows
   * @return a decoder positioned before the first frame
   * @throws MediaException if it cannot be read as a video
   * @throws IOException if reading fails for another reason
   * @throws UnsupportedOperationException if this decoder cannot read remote input (the default)
   * @since 0.1
   */
  default VideoDecoder open(RemoteVideo video) throws IOException {
    throw new UnsupportedOperationException(name() + " cannot read remote input");
  }

  /**
   * Tells whether this provider can index videos and decode segments of them (needed for chunked,
   * parallel, resumable and keyframes-only jobs).
   *
   * @return false unless overridden
   */
  default boolean supportsSegments() {
    return false;
  }

  /**
   * Reads a video's packets without decoding them and plans its segments.
   *
   * @param video the file
   * @param options the chunk size (bytes or duration); with neither, one segment
   * @return the index
   * @throws MediaException if the file cannot be read as a video
   * @throws IOException if reading fails for another reason
   * @throws UnsupportedOperationException if {@link #supportsSegments()} is false
   */
  default VideoIndex index(Path video, PipelineOptions options) throws IOException {
    throw new UnsupportedOperationException(name() + " cannot index videos");
  }

  /**
   * Opens a decoder over one segment. Its frames carry their global ids ({@link VideoFrame#index()}),
   * and it returns exactly the segment's frames (only its key frames when {@code keyframesOnly}).
   *
   * @param video the file
   * @param index the video's index
   * @param segment the segment to decode
   * @param keyframesOnly decode only key frames
   * @return a decoder positioned before the segment's first frame
   * @throws IOException if the segment cannot be reached
   * @throws UnsupportedOperationException if {@link #supportsSegments()} is false
   */
  default VideoDecoder openSegment(Path video, VideoIndex index, VideoIndex.Segment segment, boolean keyframesOnly) throws IOException {
    throw new UnsupportedOperationException(name() + " cannot decode segments");
  }

  /**
   * Indexes a remote video, as {@link #index(Path, PipelineOptions)} does a file, reading as little
   * of it as the container allows (for MP4/MOV, the sample table and no media data, with range
   * requests), with the protocols of {@link RemoteVideo#allowedSchemes()} only.
   *
   * @param video the remote video
   * @param options the chunk size (bytes or duration); with neither, one segment
   * @return the index
   * @throws MediaException if it cannot be read as a video
   * @throws IOException if reading fails for another reason
   * @throws UnsupportedOperationException if this decoder cannot index remote input (the default)
   * @since 0.3
   */
  default VideoIndex index(RemoteVideo video, PipelineOptions options) throws IOException {
    throw new UnsupportedOperationException(name() + " cannot index remote input");
  }

  /**
   * Opens a decoder over one segment of a remote video, as {@link #openSegment(Path, VideoIndex,
   * VideoIndex.Segment, boolean)} does for a file: it reads about the segment's bytes (range requests),
   * not the whole video.
   *
   * @param video the remote video
   * @param index the video's index, from {@link #index(RemoteVideo, PipelineOptions)}
   * @param segment the segment to decode
   * @param keyframesOnly decode only key frames
   * @return a decoder positioned before the segment's first frame
   * @throws IOException if the segment cannot be reached
   * @throws UnsupportedOperationException if this decoder cannot decode segments of remote input (the default)
   * @since 0.3
   */
  default VideoDecoder openSegment(RemoteVideo video, VideoIndex index, VideoIndex.Segment segment, boolean keyframesOnly)
      throws IOException {
    throw new UnsupportedOperationException(name() + " cannot decode segments of remote input");
  }
}
