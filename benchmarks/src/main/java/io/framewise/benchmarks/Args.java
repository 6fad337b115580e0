package io.framewise.benchmarks;

import io.framewise.DataSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code --name value} options of one subcommand; every option must be consumed, so typos fail. */
final class Args {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|min|h)", Pattern.CASE_INSENSITIVE);

  private final String command;
  private final Map<String, String> values = new LinkedHashMap<>();
  private final List<String> used = new ArrayList<>();

  private Args(String command) {
    this.command = command;
  }

  static Args parse(String command, String[] argv, int from) {
    Args a = new Args(command);
    for (int i = from; i < argv.length; i++) {
      String k = argv[i];
      if (!k.startsWith("--")) {
        throw new IllegalArgumentException(command + ": unexpected argument '" + k + "'");
      }
      String name = k.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
        value = argv[++i];
      } else {
        value = "true"; // a flag
      }
      a.values.put(name, value);
    }
    return a;
  }

  boolean has(String name) {
    used.add(name);
    return values.containsKey(name);
  }

  String string(String name, String def) {
    used.add(name);
    return values.getOrDefault(name, def);
  }

  String required(String name) {
    used.add(name);
    String v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException(command + ": --" + name + " is required");
    }
    return v;
  }

  Path existingFile(String name) {
    Path p = Path.of(required(name));
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException(command + ": --" + name + " " + p + ": no such file");
    }
    return p;
  }

  int integer(String name, int def) {
    used.add(name);
    String v = values.get(name);
    return v == null ? def : Integer.parseInt(v.replace("_", "").trim());
  }

  boolean flag(String name) {
    used.add(name);
    String v = values.get(name);
    return v != null && !v.equalsIgnoreCase("false");
  }

  /** {@code none}/{@code off} means "not set". */
  static boolean isNone(String v) {
    return v == null || v.equalsIgnoreCase("none") || v.equalsIgnoreCase("off") || v.equalsIgnoreCase("default");
  }

  /** A chunk size: a duration ({@code 20s}, {@code 500ms}, {@code 2min}, {@code PT20S}) or a data size ({@code 64MiB}). */
  static Object chunkSize(String text) {
    String t = text.trim();
    if (t.toUpperCase(Locale.ROOT).startsWith("PT")) {
      return Duration.parse(t);
    }
    Matcher m = DURATION.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "min" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
    return DataSize.parse(t);
  }

  /** Fails on options nobody asked for. */
  void done() {
    List<String> unknown = new ArrayList<>(values.keySet());
    unknown.removeAll(used);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(command + ": unknown option(s) --" + String.join(", --", unknown));
    }
  }
}
