package io.framewise;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of bytes, such as a chunk size or a memory budget.
 *
 * @param bytes the number of bytes, {@code >= 0}
 * @since 0.1
 */
public record DataSize(long bytes) implements Comparable<DataSize> {

  private static final Pattern TEXT = Pattern.compile("(\\d+)\\s*([KMGT]i?B?|B)?", Pattern.CASE_INSENSITIVE);

  /**
   * Validates the amount.
   *
   * @throws IllegalArgumentException if negative
   */
  public DataSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("a data size cannot be negative: " + bytes);
    }
  }

  /**
   * Returns a size in bytes.
   *
   * @param bytes the bytes
   * @return the size
   */
  public static DataSize ofBytes(long bytes) {
    return new DataSize(bytes);
  }

  /**
   * Returns a size in kibibytes (1024 bytes).
   *
   * @param kib the kibibytes
   * @return the size
   */
  public static DataSize ofKibibytes(long kib) {
    return new DataSize(Math.multiplyExact(kib, 1L << 10));
  }

  /**
   * Returns a size in mebibytes (1024² bytes).
   *
   * @param mib the mebibytes
   * @return the size
   */
  public static DataSize ofMebibytes(long mib) {
    return new DataSize(Math.multiplyExact(mib, 1L << 20));
  }

  /**
   * Returns a size in gibibytes (1024³ bytes).
   *
   * @param gib the gibibytes
   * @return the size
   */
  public static DataSize ofGibibytes(long gib) {
    return new DataSize(Math.multiplyExact(gib, 1L << 30));
  }

  /**
   * Parses {@code 512MiB}, {@code 4GiB}, {@code 64KiB}, {@code 1TiB} or a plain byte count. The
   * units are binary; {@code MB} and {@code M} are read as {@code MiB}.
   *
   * @param text the size
   * @return the size
   * @throws IllegalArgumentException if the text is not a size
   */
  public static DataSize parse(String text) {
    Matcher m = TEXT.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a data size: '" + text + "' (expected e.g. 512MiB, 4GiB or a byte count)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    int shift = switch (unit.charAt(0)) {
      case 'K' -> 10;
      case 'M' -> 20;
      case 'G' -> 30;
      case 'T' -> 40;
      default -> 0;
    };
    if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("data size too large: " + text);
    }
    return new DataSize(n << shift);
  }

  /**
   * Returns the size in mebibytes, rounded down.
   *
   * @return the mebibytes
   */
  public long toMebibytes() {
    return bytes >> 20;
  }

  @Override
  public int compareTo(DataSize other) {
    return Long.compare(bytes, other.bytes);
  }

  @Override
  public String toString() {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    long v = bytes;
    int u = 0;
    while (u < units.length - 1 && v != 0 && v % 1024 == 0) {
      v /= 1024;
      u++;
    }
    return v + units[u];
  }
}
