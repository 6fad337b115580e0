package io.framewise.gpu;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/** Turns raw output tensors of each family into candidates in model-input pixel coordinates. */
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
        }
      }
      if (best >= 0) {
        found.add(Candidate.fromCenter(best, bestScore, out.get(i), out.get(n + i), out.get(2 * n + i), out.get(3 * n + i)));
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
      long best = bestObjectClass(out, row, classes, conf);
      if (best >= 0) {
        found.add(Candidate.fromCenter((int) (best >>> 32), Float.intBitsToFloat((int) best),
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
          long best = bestObjectClass(out, row, classes, conf);
          if (best >= 0) {
            float cx = (out.get(row) + gx) * stride;
            float cy = (out.get(row + 1) + gy) * stride;
            float w = (float) Math.exp(out.get(row + 2)) * stride;
            float h = (float) Math.exp(out.get(row + 3)) * stride;
            found.add(Candidate.fromCenter((int) (best >>> 32), Float.intBitsToFloat((int) best), cx, cy, w, h));
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
  private static long bestObjectClass(FloatBuffer out, int row, int classes, float conf) {
    float obj = out.get(row + 4);
    if (obj < conf) {
      return -1;
    }
    int best = -1;
    float bestScore = conf;
    for (int c = 0; c < classes; c++) {
      float s = obj * out.get(row + 5 + c);
      if (s >= bestScore) {
        best = c;
        bestScore = s;
      }
    }
    return best < 0 ? -1 : ((long) best << 32) | (Float.floatToRawIntBits(bestScore) & 0xffffffffL);
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
        }
      }
      if (best >= 0) {
        int b = i * 4;
        found.add(new Candidate(best, bestScore,
            boxes.get(b) * inputW, boxes.get(b + 1) * inputH, boxes.get(b + 2) * inputW, boxes.get(b + 3) * inputH));
      }
    }
    return found;
  }

  /** End-to-end {@code [1, K, 6]}: x1, y1, x2, y2, score, class, already suppressed. */
  static List<Candidate> end2end(FloatBuffer out, int k, float conf) {
    List<Candidate> found = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      int row = i * 6;
      float score = out.get(row + 4);
      if (score >= conf) {
        int cls = Math.round(out.get(row + 5));
        if (cls >= 0) {
          found.add(new Candidate(cls, score, out.get(row), out.get(row + 1), out.get(row + 2), out.get(row + 3)));
        }
      }
    }
    return found;
  }
}
