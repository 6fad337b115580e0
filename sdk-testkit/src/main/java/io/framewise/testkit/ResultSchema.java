package io.framewise.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Validates documents against the JSON Schema of the result format ({@code schemaVersion 1}, the copy
 * of {@code docs/schema/framewise-result-v1.schema.json} shipped in this jar).
 *
 * <h2>Thread safety</h2>
 * Thread-safe.
 */
public final class ResultSchema {

  /** The schema's resource name next to this class. */
  public static final String RESOURCE = "framewise-result-v1.schema.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonSchema SCHEMA = load();

  private ResultSchema() {}

  private static JsonSchema load() {
    try (InputStream in = ResultSchema.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the test kit jar");
      }
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns the schema violations of a document.
   *
   * @param json the document's bytes (UTF-8)
   * @return one message per violation; empty when the document is valid
   * @throws UncheckedIOException if the bytes are not JSON
   */
  public static List<String> problems(byte[] json) {
    JsonNode doc;
    try {
      doc = JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + e.getMessage(), e);
    }
    return SCHEMA.validate(doc).stream().map(ValidationMessage::getMessage).sorted().toList();
  }
}
