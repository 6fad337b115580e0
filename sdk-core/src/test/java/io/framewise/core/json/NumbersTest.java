package io.framewise.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NumbersTest {

  @Test
  void fixed_roundsHalfUpAndKeepsOneDecimal() {
    assertThat(Numbers.fixed(0, 3)).isEqualTo("0.0");
    assertThat(Numbers.fixed(-0.0, 3)).isEqualTo("0.0");
    assertThat(Numbers.fixed(100, 3)).isEqualTo("100.0");
    assertThat(Numbers.fixed(12.5, 3)).isEqualTo("12.5");
    assertThat(Numbers.fixed(0.87314, 4)).isEqualTo("0.8731");
    assertThat(Numbers.fixed(0.87315, 4)).isEqualTo("0.8732");
    assertThat(Numbers.fixed(33.333333, 3)).isEqualTo("33.333");
    assertThat(Numbers.fixed(1e-9, 3)).isEqualTo("0.0");
    assertThat(Numbers.fixed(139400, 3)).isEqualTo("139400.0");
    assertThat(Numbers.fixed(-2.0005, 3)).isEqualTo("-2.001");
  }

  @Test
  void fixed_notFinite_throws() {
    assertThatThrownBy(() -> Numbers.fixed(Double.NaN, 3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Numbers.fixed(Double.POSITIVE_INFINITY, 3)).isInstanceOf(IllegalArgumentException.class);
  }
}
