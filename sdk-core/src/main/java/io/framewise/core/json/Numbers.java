package io.framewise.core.json;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Deterministic decimal formatting for the JSON output. */
public final class Numbers {

  private Numbers() {}

  /**
   * Formats {@code value} (its shortest decimal form, as {@link Double#toString}) rounded half-up to at most {@code decimals} decimals, without trailing
   * zeros but with at least one decimal ({@code 100.0}, {@code 12.5}, {@code 0.8731}).
   */
  static String fixed(double value, int decimals) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("not a finite number: " + value);
    }
    BigDecimal d = BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).stripTrailingZeros();
    if (d.scale() < 1) {
      d = d.setScale(1, RoundingMode.UNNECESSARY);
    }
    String s = d.toPlainString();
    return s.equals("-0.0") ? "0.0" : s;
  }
}
