package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared test data folder named by {@code FRAMEWISE_TESTDATA}: tests skip (with a message) when it
 * is unset, and fail when it is set but a file is missing.
 */
final class TestData {

  private TestData() {}

  static Path file(String relative) {
    String dir = System.getenv("FRAMEWISE_TESTDATA");
    assumeTrue(dir != null && !dir.isBlank(), "FRAMEWISE_TESTDATA is not set: skipping tests on the shared test data");
    Path file = Path.of(dir).resolve(relative);
    assertThat(Files.isRegularFile(file)).as("FRAMEWISE_TESTDATA is set but %s is missing", file).isTrue();
    return file;
  }
}
