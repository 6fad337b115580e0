package io.framewise.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares detections with a reference output the way the test data's README prescribes: boxes of the
 * same class match at IoU >= 0.5; recall over reference boxes with score >= 0.3 against our boxes with
 * score >= 0.25, precision over our boxes with score >= 0.3 against reference boxes with score >= 0.25.
 */
record GoldenComparison(int referenceBoxes, int matchedReference, int ourBoxes, int matchedOurs) {

  static final double IOU = 0.5;
  static final double STRICT = 0.3;
  static final double LOOSE = 0.25;

  double recall() {
    return referenceBoxes == 0 ? 1 : (double) matchedReference / referenceBoxes;
  }

  double precision() {
    return ourBoxes == 0 ? 1 : (double) matchedOurs / ourBoxes;
  }

  static GoldenComparison compare(JsonNode reference, JsonNode ours) {
    Map<Long, JsonNode> refFrames = byFrame(reference);
    Map<Long, JsonNode> ourFrames = byFrame(ours);
    int refCount = 0;
    int refMatched = 0;
    int ourCount = 0;
    int ourMatched = 0;
    for (Map.Entry<Long, JsonNode> e : refFrames.entrySet()) {
      List<JsonNode> ref = boxes(e.getValue());
      List<JsonNode> mine = boxes(ourFrames.get(e.getKey()));
      int[] r = matchCount(ref, mine);
      refCount += r[0];
      refMatched += r[1];
      int[] o = matchCount(mine, ref);
      ourCount += o[0];
      ourMatched += o[1];
    }
    return new GoldenComparison(refCount, refMatched, ourCount, ourMatched);
  }

  /** Counts {@code from} boxes with score >= STRICT and how many find a LOOSE {@code to} box (each used once). */
  private static int[] matchCount(List<JsonNode> from, List<JsonNode> to) {
    boolean[] used = new boolean[to.size()];
    int count = 0;
    int matched = 0;
    for (JsonNode a : from) {
      if (a.get("score").asDouble() < STRICT) {
        continue;
      }
      count++;
      int best = -1;
      double bestIou = IOU;
      for (int i = 0; i < to.size(); i++) {
        JsonNode b = to.get(i);
        if (used[i] || b.get("score").asDouble() < LOOSE || b.get("classId").asInt() != a.get("classId").asInt()) {
          continue;
        }
        double iou = iou(a.get("box"), b.get("box"));
        if (iou >= bestIou) {
          bestIou = iou;
          best = i;
        }
      }
      if (best >= 0) {
        used[best] = true;
        matched++;
      }
    }
    return new int[] {count, matched};
  }

  private static double iou(JsonNode a, JsonNode b) {
    double iw = Math.min(a.get("x2").asDouble(), b.get("x2").asDouble()) - Math.max(a.get("x1").asDouble(), b.get("x1").asDouble());
    double ih = Math.min(a.get("y2").asDouble(), b.get("y2").asDouble()) - Math.max(a.get("y1").asDouble(), b.get("y1").asDouble());
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    double inter = iw * ih;
    double areaA = (a.get("x2").asDouble() - a.get("x1").asDouble()) * (a.get("y2").asDouble() - a.get("y1").asDouble());
    double areaB = (b.get("x2").asDouble() - b.get("x1").asDouble()) * (b.get("y2").asDouble() - b.get("y1").asDouble());
    return inter / (areaA + areaB - inter);
  }

  private static Map<Long, JsonNode> byFrame(JsonNode doc) {
    Map<Long, JsonNode> frames = new HashMap<>();
    for (JsonNode f : doc.get("frames")) {
      frames.put(f.get("frameId").asLong(), f);
    }
    return frames;
  }

  private static List<JsonNode> boxes(JsonNode frame) {
    List<JsonNode> list = new ArrayList<>();
    if (frame != null) {
      frame.get("detections").forEach(list::add);
    }
    return list;
  }
}
