package io.framewise.samples.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.BoundingBox;
import io.framewise.testkit.SyntheticVideo;
import io.framewise.testkit.TruthBox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Compares a result document with a {@link SyntheticVideo}'s ground truth, frame by frame. A truth
 * box is found when an unused detection of the same class overlaps it with IoU &ge; {@value #MIN_IOU};
 * every detection left over is a false detection. The document is read one frame at a time, so
 * memory does not grow with the video.
 */
record DemoCheck(
    long drawn, long found, long missed, long falseDetections, long framesInJson, boolean framesInOrder,
    List<String> labels, boolean complete) {

  static final double MIN_IOU = 0.5;

  static DemoCheck compare(SyntheticVideo video, Path json) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    Counter c = new Counter(video);
    List<String> labels = new ArrayList<>();
    boolean complete = false;
    try (JsonParser p = mapper.createParser(json.toFile())) {
      expect(p.nextToken(), JsonToken.START_OBJECT, json);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "frames" -> {
            expect(value, JsonToken.START_ARRAY, json);
            while (p.nextToken() == JsonToken.START_OBJECT) {
              c.frame(mapper.readTree(p));
            }
          }
          case "model" -> {
            JsonNode model = mapper.readTree(p);
            model.path("labels").forEach(l -> labels.add(l.asText()));
          }
          case "summary" -> {
            JsonNode summary = mapper.readTree(p);
            complete = summary.path("complete").asBoolean(false);
          }
          default -> p.skipChildren();
        }
      }
    }
    return c.result(labels, complete);
  }

  private static void expect(JsonToken actual, JsonToken expected, Path json) throws IOException {
    if (actual != expected) {
      throw new IOException(json + ": not a Framewise result document (expected " + expected + ", found " + actual + ")");
    }
  }

  /** Accumulates the comparison. */
  private static final class Counter {
    private final SyntheticVideo video;
    private final BitSet seen = new BitSet();
    private long found;
    private long falseDetections;
    private long frames;
    private boolean inOrder = true;

    Counter(SyntheticVideo video) {
      this.video = video;
    }

    void frame(JsonNode frame) {
      long frameId = frame.path("frameId").asLong(-1);
      inOrder &= frameId == frames;
      frames++;
      List<JsonNode> detections = new ArrayList<>();
      frame.path("detections").forEach(detections::add);
      if (frameId < 0 || frameId >= video.frames() || seen.get((int) frameId)) {
        falseDetections += detections.size(); // a frame that was never drawn, or a duplicate
        return;
      }
      seen.set((int) frameId);
      boolean[] used = new boolean[detections.size()];
      for (TruthBox t : video.truth(frameId)) {
        int best = -1;
        double bestIou = MIN_IOU;
        for (int i = 0; i < detections.size(); i++) {
          JsonNode d = detections.get(i);
          if (used[i] || d.path("classId").asInt(-1) != t.classId()) {
            continue;
          }
          double iou = iou(t, d.path("box"));
          if (iou >= bestIou) {
            best = i;
            bestIou = iou;
          }
        }
        if (best >= 0) {
          used[best] = true;
          found++;
        }
      }
      for (boolean u : used) {
        if (!u) {
          falseDetections++;
        }
      }
    }

    /** IoU of a truth box and a JSON box; 0 for a malformed box rather than an exception. */
    private static double iou(TruthBox t, JsonNode b) {
      double x1 = b.path("x1").asDouble(Double.NaN);
      double y1 = b.path("y1").asDouble(Double.NaN);
      double x2 = b.path("x2").asDouble(Double.NaN);
      double y2 = b.path("y2").asDouble(Double.NaN);
      if (!(x2 >= x1 && y2 >= y1) || !Double.isFinite(x1 + y1 + x2 + y2)) {
        return 0;
      }
      return t.box().iou(new BoundingBox(x1, y1, x2, y2));
    }

    DemoCheck result(List<String> labels, boolean complete) {
      long drawn = 0;
      for (long f = 0; f < video.frames(); f++) {
        drawn += video.truth(f).size();
      }
      boolean order = inOrder && frames == video.frames();
      return new DemoCheck(drawn, found, drawn - found, falseDetections, frames, order, List.copyOf(labels), complete);
    }
  }
}
