package io.framewise.samples.overlay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads a Framewise result document (schemaVersion 1, docs/json-format.md) with Jackson's streaming
 * parser, one frame at a time: the header ({@code video}, {@code model}) first, then {@link #next()}
 * for each entry of {@code frames} in order, then the {@code summary}. Only the current frame is held,
 * so memory does not grow with the video. Shared by the CLI's {@code render} and the REST sample.
 *
 * <h2>Thread safety</h2>
 * Not thread-safe; confine a stream to one thread.
 */
public final class ResultStream implements AutoCloseable {

  /**
   * One detection: class, label, score and the box in source pixels.
   *
   * @param classId the class id
   * @param label the class name
   * @param score the confidence
   * @param x1 left edge
   * @param y1 top edge
   * @param x2 right edge
   * @param y2 bottom edge
   */
  public record Detection(int classId, String label, double score, double x1, double y1, double x2, double y2) {}

  /**
   * One entry of {@code frames}.
   *
   * @param frameId the frame id
   * @param ptsMs the presentation time, NaN when absent
   * @param detections the frame's detections
   */
  public record FrameResult(long frameId, double ptsMs, List<Detection> detections) {}

  /** The document is not a usable Framewise result: malformed, unterminated or out of order. */
  public static final class BadResultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadResultException(String message) {
      super(message);
    }
  }

  private static final String ENDS_EARLY =
      "the document ends early (unterminated: the job that wrote it failed, or is still running)";

  private final Path file;
  private final JsonParser parser;
  /** Scalar fields of the {@code video} section, in document order. */
  private final Map<String, Object> video = new LinkedHashMap<>();
  private final List<String> labels = new ArrayList<>();
  private boolean inFrames;
  private long lastFrameId = -1;
  private long framesRead;
  private @Nullable Long summaryFramesDecoded;
  private @Nullable Boolean summaryComplete;
  private boolean sawSummary;

  private ResultStream(Path file, JsonParser parser) {
    this.file = file;
    this.parser = parser;
  }

  /**
   * Opens a result document and reads its header, up to the first frame.
   *
   * @param file the JSON
   * @return the stream, positioned at the first frame
   * @throws IOException if it cannot be read
   * @throws BadResultException if it is not a result document
   */
  public static ResultStream open(Path file) throws IOException {
    JsonFactory factory = JsonFactory.builder()
        // One frame line holds at most 300 detections: a bounded size; refuse absurd documents early.
        .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(1 << 20).maxNestingDepth(16).build())
        .build();
    ResultStream s = new ResultStream(file, factory.createParser(Files.newInputStream(file)));
    try {
      s.readHeader();
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** {@return the scalar fields of the {@code video} section} */
  public Map<String, Object> video() {
    return video;
  }

  /** {@return {@code model.labels}, empty when absent} */
  public List<String> labels() {
    return labels;
  }

  /** {@return how many frames {@link #next()} returned so far} */
  public long framesRead() {
    return framesRead;
  }

  /** {@return {@code summary.framesDecoded}, or null when the summary has none (or was not reached)} */
  public @Nullable Long summaryFramesDecoded() {
    return summaryFramesDecoded;
  }

  /** {@return {@code summary.complete}, or null when absent} */
  public @Nullable Boolean summaryComplete() {
    return summaryComplete;
  }

  /**
   * Reads the next frame.
   *
   * @return the frame, or null after the last one (the summary has then been read)
   * @throws IOException on a read error
   * @throws BadResultException if the document is malformed, unterminated or out of order
   */
  public @Nullable FrameResult next() throws IOException {
    if (!inFrames) {
      return null;
    }
    JsonToken t = token();
    if (t == JsonToken.END_ARRAY) {
      inFrames = false;
      readRest();
      return null;
    }
    expect(t == JsonToken.START_OBJECT, "a frame object in 'frames'");
    long frameId = -1;
    double ptsMs = Double.NaN;
    List<Detection> detections = List.of();
    while ((t = token()) == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      t = token();
      switch (name) {
        case "frameId" -> {
          expect(t == JsonToken.VALUE_NUMBER_INT, "an integer frameId");
          frameId = parser.getLongValue();
        }
        case "ptsMs" -> {
          expect(t.isNumeric(), "a number ptsMs");
          ptsMs = parser.getDoubleValue();
        }
        case "detections" -> detections = readDetections(t);
        default -> parser.skipChildren();
      }
    }
    expect(frameId >= 0, "a frameId in every frame");
    if (frameId <= lastFrameId) {
      throw bad("frame ids are not increasing (" + frameId + " after " + lastFrameId + ")");
    }
    lastFrameId = frameId;
    framesRead++;
    return new FrameResult(frameId, ptsMs, detections);
  }

  private List<Detection> readDetections(JsonToken start) throws IOException {
    expect(start == JsonToken.START_ARRAY, "an array 'detections'");
    List<Detection> list = new ArrayList<>();
    JsonToken t;
    while ((t = token()) != JsonToken.END_ARRAY) {
      expect(t == JsonToken.START_OBJECT, "a detection object");
      int classId = 0;
      String label = null;
      double score = Double.NaN;
      double[] box = null;
      while ((t = token()) == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        t = token();
        switch (name) {
          case "classId" -> {
            expect(t == JsonToken.VALUE_NUMBER_INT, "an integer classId");
            classId = parser.getIntValue();
          }
          case "label" -> label = parser.getValueAsString();
          case "score" -> {
            expect(t.isNumeric(), "a number score");
            score = parser.getDoubleValue();
          }
          case "box" -> box = readBox(t);
          default -> parser.skipChildren();
        }
      }
      expect(box != null, "a box in every detection");
      list.add(new Detection(classId, label != null ? label : Integer.toString(classId), score,
          box[0], box[1], box[2], box[3]));
    }
    return list;
  }

  private double[] readBox(JsonToken start) throws IOException {
    expect(start == JsonToken.START_OBJECT, "an object 'box'");
    double[] box = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    while (token() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken t = token();
      int i = switch (name) {
        case "x1" -> 0;
        case "y1" -> 1;
        case "x2" -> 2;
        case "y2" -> 3;
        default -> -1;
      };
      if (i < 0) {
        parser.skipChildren();
        continue;
      }
      expect(t.isNumeric(), "numbers in 'box'");
      box[i] = parser.getDoubleValue();
    }
    for (double v : box) {
      expect(!Double.isNaN(v), "x1, y1, x2, y2 in every box");
    }
    return box;
  }

  /** Reads {@code schemaVersion}, {@code video} and {@code model} up to the opening of {@code frames}. */
  private void readHeader() throws IOException {
    JsonToken t = token();
    expect(t == JsonToken.START_OBJECT, "a JSON object");
    Long schema = null;
    while ((t = token()) == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      t = token();
      switch (name) {
        case "schemaVersion" -> {
          expect(t == JsonToken.VALUE_NUMBER_INT, "an integer schemaVersion");
          schema = parser.getLongValue();
        }
        case "video" -> readVideo(t);
        case "model" -> readModel(t);
        case "frames" -> {
          expect(t == JsonToken.START_ARRAY, "an array 'frames'");
          expect(schema != null && schema == 1, "schemaVersion 1 before 'frames'");
          expect(!video.isEmpty(), "a 'video' section before 'frames'");
          inFrames = true;
          return;
        }
        default -> parser.skipChildren();
      }
    }
    throw bad("no 'frames' array: not a Framewise result");
  }

  private void readVideo(JsonToken start) throws IOException {
    expect(start == JsonToken.START_OBJECT, "an object 'video'");
    while (token() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken t = token();
      if (t.isNumeric()) {
        video.put(name, parser.getDoubleValue());
      } else if (t.isScalarValue()) {
        video.put(name, parser.getValueAsString());
      } else {
        parser.skipChildren();
      }
    }
  }

  private void readModel(JsonToken start) throws IOException {
    expect(start == JsonToken.START_OBJECT, "an object 'model'");
    while (token() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken t = token();
      if (name.equals("labels") && t == JsonToken.START_ARRAY) {
        while (token() != JsonToken.END_ARRAY) {
          labels.add(parser.getValueAsString());
        }
      } else {
        parser.skipChildren();
      }
    }
  }

  /** After {@code frames}: the summary and the end of the document (an unterminated one is refused). */
  private void readRest() throws IOException {
    JsonToken t;
    while ((t = token()) == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      t = token();
      if (name.equals("summary") && t == JsonToken.START_OBJECT) {
        sawSummary = true;
        while (token() == JsonToken.FIELD_NAME) {
          String field = parser.currentName();
          JsonToken v = token();
          if (field.equals("framesDecoded") && v == JsonToken.VALUE_NUMBER_INT) {
            summaryFramesDecoded = parser.getLongValue();
          } else if (field.equals("complete") && v.isBoolean()) {
            summaryComplete = v == JsonToken.VALUE_TRUE;
          } else {
            parser.skipChildren();
          }
        }
      } else {
        parser.skipChildren();
      }
    }
    expect(t == JsonToken.END_OBJECT && sawSummary, "a 'summary' after 'frames'");
  }

  private JsonToken token() throws IOException {
    JsonToken t;
    try {
      t = parser.nextToken();
    } catch (JsonEOFException e) {
      t = null;
    } catch (JsonProcessingException e) {
      if (String.valueOf(e.getOriginalMessage()).startsWith("Unexpected end-of-input")) {
        throw bad(ENDS_EARLY);
      }
      throw bad("not valid JSON at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
    }
    if (t == null) {
      throw bad(ENDS_EARLY);
    }
    return t;
  }

  private void expect(boolean ok, String what) {
    if (!ok) {
      throw bad("expected " + what + " (line " + parser.currentLocation().getLineNr() + ")");
    }
  }

  private BadResultException bad(String what) {
    return new BadResultException(file + ": not a usable Framewise result: " + what);
  }

  @Override
  public void close() throws IOException {
    parser.close();
  }
}
