package io.framewise.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Small formatting helpers; always {@link Locale#ROOT} so numbers parse everywhere. */
final class Fmt {

  private Fmt() {}

  static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  static String size(long bytes) {
    if (bytes >= 1L << 30) {
      return f("%.2f GiB", bytes / (double) (1L << 30));
    }
    if (bytes >= 1L << 20) {
      return f("%.1f MiB", bytes / (double) (1L << 20));
    }
    return f("%.1f KiB", bytes / 1024.0);
  }

  static String size(Path file) {
    try {
      return size(Files.size(file)) + " (" + Files.size(file) + " bytes)";
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  static String seconds(long nanos) {
    return f("%.1f s", nanos / 1e9);
  }

  static void out(String format, Object... args) {
    System.out.println(f(format, args));
    System.out.flush();
  }
}
