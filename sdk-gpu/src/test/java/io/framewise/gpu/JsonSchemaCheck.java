package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** Asserts a document validates against docs/schema/framewise-result-v1.schema.json. */
final class JsonSchemaCheck {

  private JsonSchemaCheck() {}

  static void assertValid(byte[] json) {
    Path schemaFile = Path.of("..", "docs", "schema", "framewise-result-v1.schema.json");
    try (InputStream in = Files.newInputStream(schemaFile)) {
      JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
      JsonNode doc = new ObjectMapper().readTree(json);
      Set<ValidationMessage> problems = schema.validate(doc);
      assertThat(problems).as("schema violations").isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
