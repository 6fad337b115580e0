package io.framewise.spi;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Opens result writers for one output format. Selected by the name {@code framewise.result-writer} /
 * {@code FRAMEWISE_RESULT_WRITER}.
 *
 * @since 0.1
 */
public interface ResultWriterProvider extends Provider {

  /**
   * Returns the output format, for example {@code json}.
   *
   * @return the format's short name
   */
  String format();

  /**
   * Opens a writer on a stream. The writer does not close {@code out}.
   *
   * @param out where to write
   * @return the writer
   * @throws IOException if the writer cannot start
   */
  ResultWriter open(OutputStream out) throws IOException;
}
