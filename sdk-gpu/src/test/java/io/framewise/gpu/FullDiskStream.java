package io.framewise.gpu;

import java.io.IOException;
import java.io.OutputStream;

/** A test output that fails once {@code limit} bytes were written, as a full disk does. */
final class FullDiskStream extends OutputStream {
  static final String MESSAGE = "No space left on device";
  private final long limit;
  private long written;

  FullDiskStream(long limit) {
    this.limit = limit;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (written + len > limit) {
      throw new IOException(MESSAGE);
    }
    written += len;
  }
}
