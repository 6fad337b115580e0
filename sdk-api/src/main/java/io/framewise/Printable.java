package io.framewise;

import org.jspecify.annotations.Nullable;

/**
 * Makes text from outside (file names above all) safe to print in a message or on a terminal: control
 * characters are shown escaped instead of being sent raw, so a file named {@code "a\nb.mp4"} or one
 * holding terminal escape sequences can neither break a log line nor drive the terminal.
 *
 * <p>Escaped: C0 controls ({@code \n}, {@code \r}, {@code \t} by name, others as {@code \x1b}), DEL and C1
 * controls ({@code \x7f}..{@code \x9f}), the Unicode line and paragraph separators and the bidirectional
 * formatting characters ({@code \u202e} and the like, which can make a name read backwards). Everything
 * else, backslashes included, is left as it is: the result is for people to read, not to parse back.
 * Every {@link VideoDetectorException} message goes through it.
 *
 * @since 0.1
 */
public final class Printable {

  private Printable() {}

  /**
   * Returns {@code String.valueOf(text)} with its control characters escaped.
   *
   * @param text a path, a message or any object; null gives {@code "null"}
   * @return the printable text (the same string when nothing needed escaping)
   */
  public static String escape(@Nullable Object text) {
    String s = String.valueOf(text);
    int i = 0;
    while (i < s.length() && !needsEscape(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!needsEscape(c)) {
        sb.append(c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c < 0x100) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    return sb.toString();
  }

  private static boolean needsEscape(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || c == 0x2028 || c == 0x2029 // line and paragraph separators
        || c == 0x061c || c == 0x200e || c == 0x200f // bidi marks
        || (c >= 0x202a && c <= 0x202e) // bidi embeddings and overrides
        || (c >= 0x2066 && c <= 0x2069); // bidi isolates
  }
}
