package io.framewise.gpu;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns raw output tensors of each family into candidates in model-input pixel coordinates.
 *
 * <p>Values no working detector produces are refused with {@link BadOutput} (docs/models.md, "Outputs
 * that are not numbers"): a NaN score anywhere, and, in a row that reaches the confidence threshold,
 * an infinite score, a score above 1, or a box coordinate that is not finite (after decoding: YOLOX's
 * {@code exp(wh)} can overflow). Rows below the threshold are not decoded, so their boxes are not
 * looked at.
 */
final class OutputDecoder {

  private OutputDecoder() {}

  /** YOLOv8 {@code [1, 4+nc, N]}: cx, cy, w, h, class scores. */
  static List<Candidate> yolov8(FloatBuffer out, int classes, int n, float conf) {
    List<Candidate> found = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int best = -1;
      float bestScore = conf;
      for (int c = 0; c < classes; c++) {
        float s = out.get((4 + c) * n + i);
        if (s >= bestScore) {
          best = c;
          bestScore = s;
        } else if (s != s) {
          throw BadOutput.notFinite("class " + c + " score", i, s);
        }
      }
      if (best >= 0) {
        checkScore("class " + best + " score", i, bestScore);
        found.add(box(best, bestScore, i, out.get(i), out.get(n + i), out.get(2 * n + i), out.get(3 * n + i)));
      }
    }
    return found;
  }

  /** YOLOv5/v7 {@code [1, N, 5+nc]}: cx, cy, w, h, objectness, class scores; score = obj x class. */
  static List<Candidate> yolov5(FloatBuffer out, int classes, int n, float conf) {
    List<Candidate> found = new ArrayList<>();
    int cols = 5 + classes;
    for (int i = 0; i < n; i++) {
      int row = i * cols;
      long best = bestObjectClass(out, row, i, classes, conf);
      if (best >= 0) {
        found.add(box((int) (best >>> 32), Float.intBitsToFloat((int) best), i,
            out.get(row), out.get(row + 1), out.get(row + 2), out.get(row + 3)));
      }
    }
    return found;
  }

  /**
   * YOLOX raw head {@code [1, N, 5+nc]} over strides 8, 16, 32, rows in grid order:
   * {@code xy = (xy + grid) * stride}, {@code wh = exp(wh) * stride}, score = obj x class.
   */
  static List<Candidate> yolox(FloatBuffer out, int classes, int inputW, int inputH, float conf) {
    List<Candidate> found = new ArrayList<>();
    int cols = 5 + classes;
    int i = 0;
    for (int stride : ModelLayout.YOLOX_STRIDES) {
      int gw = inputW / stride;
      int gh = inputH / stride;
      for (int gy = 0; gy < gh; gy++) {
        for (int gx = 0; gx < gw; gx++, i++) {
          int row = i * cols;
          long best = bestObjectClass(out, row, i, classes, conf);
          if (best >= 0) {
            float cx = (out.get(row) + gx) * stride;
            float cy = (out.get(row + 1) + gy) * stride;
            float w = (float) Math.exp(out.get(row + 2)) * stride;
            float h = (float) Math.exp(out.get(row + 3)) * stride;
            found.add(box((int) (best >>> 32), Float.intBitsToFloat((int) best), i, cx, cy, w, h));
          }
        }
      }
    }
    return found;
  }

  /**
   * For a {@code [x, y, w, h, obj, classes...]} row: the best class by obj x class score, packed as
   * {@code class << 32 | floatBits(score)}, or -1 when no class reaches {@code conf}.
   */
  private static long bestObjectClass(FloatBuffer out, int row, int index, int classes, float conf) {
    float obj = out.get(row + 4);
    if (obj < conf) {
      return -1;
    }
    if (obj != obj) {
      throw BadOutput.notFinite("objectness", index, obj);
    }
    int best = -1;
    float bestScore = conf;
    for (int c = 0; c < classes; c++) {
      float s = obj * out.get(row + 5 + c);
      if (s >= bestScore) {
        best = c;
        bestScore = s;
      } else if (s != s) {
        throw BadOutput.notFinite("class " + c + " score", index, out.get(row + 5 + c));
      }
    }
    if (best < 0) {
      return -1;
    }
    checkScore("objectness", index, obj);
    checkScore("class " + best + " score", index, out.get(row + 5 + best));
    return ((long) best << 32) | (Float.floatToRawIntBits(bestScore) & 0xffffffffL);
  }

  /**
   * SSD: scores {@code [1, N, C]} (column 0 background when {@code C > 1}) and boxes {@code [1, N, 4]}
   * normalised x1, y1, x2, y2, scaled here to input pixels.
   */
  static List<Candidate> ssd(FloatBuffer scores, FloatBuffer boxes, int columns, int n, int inputW, int inputH, float conf) {
    List<Candidate> found = new ArrayList<>();
    int first = columns > 1 ? 1 : 0;
    for (int i = 0; i < n; i++) {
      int best = -1;
      float bestScore = conf;
      for (int c = first; c < columns; c++) {
        float s = scores.get(i * columns + c);
        if (s >= bestScore) {
          best = c - first;
          bestScore = s;
        } else if (s != s) {
          throw BadOutput.notFinite("score column " + c, i, s);
        }
      }
      if (best >= 0) {
        checkScore("score column " + (best + first), i, bestScore);
        int b = i * 4;
        found.add(corners(best, bestScore, i,
            boxes.get(b) * inputW, boxes.get(b + 1) * inputH, boxes.get(b + 2) * inputW, boxes.get(b + 3) * inputH));
      }
    }
    return found;
  }

  /**
   * End-to-end {@code [1, K, 6]}: x1, y1, x2, y2, score, class, already suppressed. The class column
   * of a row that reaches {@code conf} must be a finite, non-negative number (rounded to the nearest id).
   */
  static List<Candidate> end2end(FloatBuffer out, int k, float conf) {
    List<Candidate> found = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      int row = i * 6;
      float score = out.get(row + 4);
      if (score >= conf) {
        checkScore("score", i, score);
        float cls = out.get(row + 5);
        if (!Float.isFinite(cls)) {
          throw BadOutput.notFinite("class", i, cls);
        }
        if (cls < -0.5f || cls >= Integer.MAX_VALUE) {
          throw new BadOutput(BadOutput.CLASS_OUT_OF_RANGE, "class of row " + i + " is " + cls + ", not a class id");
        }
        found.add(corners(Math.round(cls), score, i, out.get(row), out.get(row + 1), out.get(row + 2), out.get(row + 3)));
      } else if (score != score) {
        throw BadOutput.notFinite("score", i, score);
      }
    }
    return found;
  }

  /** A score that reached the threshold: finite and at most 1. */
  private static void checkScore(String what, int row, float score) {
    if (!Float.isFinite(score)) {
      throw BadOutput.notFinite(what, row, score);
    }
    if (score > 1f) {
      throw BadOutput.scoreAboveOne(what, row, score);
    }
  }

  private static Candidate box(int cls, float score, int row, float cx, float cy, float w, float h) {
    if (!Float.isFinite(cx) || !Float.isFinite(cy) || !Float.isFinite(w) || !Float.isFinite(h)) {
      throw new BadOutput(BadOutput.NOT_FINITE, "box of row " + row + " (class " + cls + ", score " + score + ") is cx " + cx
          + ", cy " + cy + ", w " + w + ", h " + h + " after decoding");
    }
    Candidate c = Candidate.fromCenter(cls, score, cx, cy, w, h);
    return corners(cls, score, row, c.x1(), c.y1(), c.x2(), c.y2());
  }

  private static Candidate corners(int cls, float score, int row, float x1, float y1, float x2, float y2) {
    if (!Float.isFinite(x1) || !Float.isFinite(y1) || !Float.isFinite(x2) || !Float.isFinite(y2)) {
      throw new BadOutput(BadOutput.NOT_FINITE, "box of row " + row + " (class " + cls + ", score " + score + ") is x1 " + x1
          + ", y1 " + y1 + ", x2 " + x2 + ", y2 " + y2 + " after decoding");
    }
    return new Candidate(cls, score, x1, y1, x2, y2);
  }
}
