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
}
