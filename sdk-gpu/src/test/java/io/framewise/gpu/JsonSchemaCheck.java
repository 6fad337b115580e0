package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.testkit.ResultSchema;

/** Asserts a document validates against docs/schema/framewise-result-v1.schema.json. */
final class JsonSchemaCheck {

  private JsonSchemaCheck() {}

  static void assertValid(byte[] json) {
    assertThat(ResultSchema.problems(json)).as("schema violations").isEmpty();
  }
}
