package io.framewise.samples.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * The CLI's standard error with control characters shown escaped ({@code \x1b}), newline, carriage return
 * and tab excepted: the CLI's own messages are escaped already ({@link io.framewise.Printable}), but log
 * lines (slf4j-simple, which writes to {@code System.err}) name models, videos and checkpoint files as
 * they are, and a file name holding an escape sequence must not drive the terminal. Byte-wise: in UTF-8
 * every byte of a multi-byte character is at least 0x80 and passes.
 */
final class EscapingStream extends FilterOutputStream {

  private EscapingStream(OutputStream out) {
    super(out);
  }

  /**
   * Wraps {@code err}, encoding as the JVM encodes standard error.
   *
   * @param err the standard error stream
   * @return a print stream that escapes control characters
   */
  static PrintStream wrap(PrintStream err) {
    return new PrintStream(new EscapingStream(err), true, stderrCharset());
  }

  private static Charset stderrCharset() {
    String name = System.getProperty("sun.stderr.encoding"); // how JDK 17 encodes System.err when set
    try {
      return name != null ? Charset.forName(name) : Charset.defaultCharset();
    } catch (RuntimeException e) {
      return Charset.defaultCharset();
    }
  }

  @Override
  public void write(int b) throws IOException {
    int c = b & 0xff;
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f) {
      out.write(String.format("\\x%02x", c).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    } else {
      out.write(c);
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    int start = off;
    for (int i = off; i < off + len; i++) {
      int c = b[i] & 0xff;
      if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f) {
        out.write(b, start, i - start);
        write(c);
        start = i + 1;
      }
    }
    out.write(b, start, off + len - start);
  }
}
