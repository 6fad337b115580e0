package io.framewise.core;

import io.framewise.core.json.JsonResultWriter;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.ResultWriterProvider;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The default result writer: the {@code schemaVersion 1} JSON document of {@code docs/json-format.md},
 * streamed with Jackson's {@code JsonGenerator} one frame at a time, one frame per line.
 *
 * <h2>Thread safety</h2>
 * Stateless and thread-safe; each writer it opens is for one thread.
 *
 * @since 0.1
 */
public final class JsonResultWriterProvider implements ResultWriterProvider {

  /** Creates the provider. */
  public JsonResultWriterProvider() {}

  @Override
  public String name() {
    return "jackson";
  }

  @Override
  public String format() {
    return "json";
  }

  @Override
  public ResultWriter open(OutputStream out) throws IOException {
    return new JsonResultWriter(out);
  }
}
