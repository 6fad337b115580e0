package io.framewise.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import io.framewise.BoundingBox;
import io.framewise.Detection;
import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.JobError;
import io.framewise.ModelInfo;
import io.framewise.VideoInfo;
import io.framewise.spi.ResultWriter;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes the {@code schemaVersion 1} document with a streaming generator: nothing is held per frame
 * once it is written. Numbers are rounded to fixed decimals (coordinates and times 3, scores 4,
 * frame rate 3), so the same input always gives byte-identical output.
 */
public final class JsonResultWriter implements ResultWriter {

  static final int SCHEMA_VERSION = 1;

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .disable(com.fasterxml.jackson.core.StreamWriteFeature.AUTO_CLOSE_TARGET)
      .disable(com.fasterxml.jackson.core.StreamWriteFeature.AUTO_CLOSE_CONTENT)
      .build();

  private final JsonGenerator g;

  public JsonResultWriter(OutputStream out) throws IOException {
    this.g = FACTORY.createGenerator(out);
    this.g.setPrettyPrinter(new FramePerLine());
  }

  @Override
  public void begin(VideoInfo video, ModelInfo model) throws IOException {
    g.writeStartObject();
    g.writeNumberField("schemaVersion", SCHEMA_VERSION);
    g.writeObjectFieldStart("video");
    g.writeStringField("source", video.source());
    g.writeNumberField("width", video.width());
    g.writeNumberField("height", video.height());
    number("frameRate", video.frameRate(), 3);
    g.writeStringField("codec", video.codec());
    number("durationMs", video.durationMs(), 3);
    g.writeEndObject();
    g.writeObjectFieldStart("model");
    g.writeStringField("name", model.name());
    g.writeStringField("format", model.format().id());
    g.writeNumberField("inputWidth", model.inputWidth());
    g.writeNumberField("inputHeight", model.inputHeight());
    g.writeArrayFieldStart("labels");
    for (String label : model.labels()) {
      g.writeString(label);
    }
    g.writeEndArray();
    g.writeEndObject();
    g.writeArrayFieldStart("frames");
  }

  @Override
  public void frame(FrameDetections frame) throws IOException {
    g.writeStartObject();
    g.writeNumberField("frameId", frame.frameId());
    number("ptsMs", frame.ptsMs(), 3);
    g.writeArrayFieldStart("detections");
    for (Detection d : frame.detections()) {
      g.writeStartObject();
      g.writeNumberField("classId", d.classId());
      g.writeStringField("label", d.label());
      number("score", d.score(), 4);
      BoundingBox b = d.box();
      g.writeObjectFieldStart("box");
      number("x1", b.x1(), 3);
      number("y1", b.y1(), 3);
      number("x2", b.x2(), 3);
      number("y2", b.y2(), 3);
      g.writeEndObject();
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  @Override
  public void end(DetectionSummary summary) throws IOException {
    g.writeEndArray();
    g.writeObjectFieldStart("summary");
    g.writeNumberField("framesDecoded", summary.framesDecoded());
    g.writeNumberField("framesProcessed", summary.framesProcessed());
    g.writeNumberField("framesFailed", summary.framesFailed());
    g.writeNumberField("detections", summary.detections());
    g.writeBooleanField("complete", summary.complete());
    g.writeArrayFieldStart("errors");
    for (JobError e : summary.errors()) {
      g.writeStartObject();
      g.writeStringField("code", e.code());
      g.writeStringField("message", e.message());
      if (e.frameId() != null) {
        g.writeNumberField("frameId", e.frameId());
      }
      if (e.ptsMs() != null) {
        number("ptsMs", e.ptsMs(), 3);
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
    g.writeEndObject();
    g.writeRaw('\n');
    g.flush();
  }

  @Override
  public void close() throws IOException {
    g.flush(); // never closes the target, never completes an unfinished document
  }

  private void number(String field, double value, int decimals) throws IOException {
    g.writeFieldName(field);
    g.writeNumber(Numbers.fixed(value, decimals));
  }

  /** Compact JSON with one frame per line, so the document is also readable line by line. */
  private static final class FramePerLine extends MinimalPrettyPrinter {
    private static final long serialVersionUID = 1L;

    private static boolean inFrames(JsonGenerator g) {
      JsonStreamContext array = g.getOutputContext();
      JsonStreamContext parent = array.getParent();
      return array.inArray() && parent != null && parent.getParent() != null && parent.getParent().inRoot()
          && "frames".equals(parent.getCurrentName());
    }

    @Override
    public void beforeArrayValues(JsonGenerator g) throws IOException {
      if (inFrames(g)) {
        g.writeRaw('\n');
      }
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(inFrames(g) ? ",\n" : ",");
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
      if (nrOfValues > 0 && inFrames(g)) {
        g.writeRaw('\n');
      }
      g.writeRaw(']');
    }
  }
}
