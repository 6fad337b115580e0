package io.framewise.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framewise.ModelFormat;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A hand-written, rough decoding of each family's raw output into boxes (input pixels) with a greedy
 * class-aware NMS: what the plain loop baseline needs, and no more.
 */
final class RoughDecode {

  /** One box: class, score, corners in model-input pixels. */
  record Box(int cls, float score, float x1, float y1, float x2, float y2) {}

  private static final int[] YOLOX_STRIDES = {8, 16, 32};

  private RoughDecode() {}

  static List<Box> decode(ModelFormat format, OrtSession.Result result, int inputW, int inputH, float conf, float iou)
      throws OrtException {
    OnnxTensor first = (OnnxTensor) result.get(0);
    long[] shape = first.getInfo().getShape();
    FloatBuffer out = first.getFloatBuffer();
    List<Box> found = new ArrayList<>();
    switch (format) {
      case YOLOX -> {
        int cols = (int) shape[2];
        int i = 0;
        for (int s : YOLOX_STRIDES) {
          for (int gy = 0; gy < inputH / s; gy++) {
            for (int gx = 0; gx < inputW / s; gx++, i++) {
              int r = i * cols;
              long best = bestObjectClass(out, r, cols, conf);
              if (best >= 0) {
                float cx = (out.get(r) + gx) * s;
                float cy = (out.get(r + 1) + gy) * s;
                float w = (float) Math.exp(out.get(r + 2)) * s;
                float h = (float) Math.exp(out.get(r + 3)) * s;
                found.add(box(best, cx, cy, w, h));
              }
            }
          }
        }
      }
      case YOLOV8 -> {
        int rows = (int) shape[1];
        int n = (int) shape[2];
        for (int i = 0; i < n; i++) {
          int best = -1;
          float bs = conf;
          for (int c = 4; c < rows; c++) {
            float v = out.get(c * n + i);
            if (v >= bs) {
              bs = v;
              best = c - 4;
            }
          }
          if (best >= 0) {
            float cx = out.get(i);
            float cy = out.get(n + i);
            float w = out.get(2 * n + i);
            float h = out.get(3 * n + i);
            found.add(new Box(best, bs, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2));
          }
        }
      }
      case YOLOV5 -> {
        int n = (int) shape[1];
        int cols = (int) shape[2];
        for (int i = 0; i < n; i++) {
          int r = i * cols;
          long best = bestObjectClass(out, r, cols, conf);
          if (best >= 0) {
            found.add(box(best, out.get(r), out.get(r + 1), out.get(r + 2), out.get(r + 3)));
          }
        }
        return nms(found, iou);
      }
      case END2END -> {
        int n = (int) shape[1];
        for (int i = 0; i < n; i++) {
          int r = i * 6;
          float s = out.get(r + 4);
          if (s >= conf) {
            found.add(new Box((int) out.get(r + 5), s, out.get(r), out.get(r + 1), out.get(r + 2), out.get(r + 3)));
          }
        }
        found.sort(Comparator.comparingDouble((Box b) -> -b.score()));
        return found;
      }
      case SSD -> {
        // scores [1, N, C] (column 0 background) and boxes [1, N, 4] normalised
        int n = (int) shape[1];
        int cols = (int) shape[2];
        FloatBuffer boxes = null;
        for (java.util.Map.Entry<String, OnnxValue> e : result) {
          OnnxTensor t = (OnnxTensor) e.getValue();
          long[] sh = t.getInfo().getShape();
          if (sh.length == 3 && sh[2] == 4 && t != first) {
            boxes = t.getFloatBuffer();
          }
        }
        if (boxes == null) {
          boxes = out; // unknown layout: decode nothing useful, but keep the cost comparable
        }
        int firstClass = cols > 1 ? 1 : 0;
        for (int i = 0; i < n; i++) {
          int best = -1;
          float bs = conf;
          for (int c = firstClass; c < cols; c++) {
            float v = out.get(i * cols + c);
            if (v >= bs) {
              bs = v;
              best = c - firstClass;
            }
          }
          if (best >= 0 && boxes != out) {
            found.add(new Box(best, bs, boxes.get(4 * i) * inputW, boxes.get(4 * i + 1) * inputH,
                boxes.get(4 * i + 2) * inputW, boxes.get(4 * i + 3) * inputH));
          }
        }
      }
      default -> throw new IllegalArgumentException("no rough decoding for " + format);
    }
    return nms(found, iou);
  }

  /**
   * For a row {@code x, y, w, h, obj, classes...} at {@code r}: the best class by obj x class score,
   * packed as {@code class << 32 | floatBits(score)}, or -1 when none reaches {@code conf}.
   */
  private static long bestObjectClass(FloatBuffer out, int r, int cols, float conf) {
    float obj = out.get(r + 4);
    if (obj < conf) {
      return -1;
    }
    int best = -1;
    float bs = conf;
    for (int c = 5; c < cols; c++) {
      float v = obj * out.get(r + c);
      if (v >= bs) {
        bs = v;
        best = c - 5;
      }
    }
    return best < 0 ? -1 : ((long) best << 32) | (Float.floatToRawIntBits(bs) & 0xffffffffL);
  }

  /** A box from a packed {@link #bestObjectClass} result and centre, width, height. */
  private static Box box(long best, float cx, float cy, float w, float h) {
    return new Box((int) (best >>> 32), Float.intBitsToFloat((int) best), cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
  }

  /** Greedy, class-aware, best score first, at most 300 boxes. */
  static List<Box> nms(List<Box> boxes, float iou) {
    boxes.sort(Comparator.comparingDouble((Box b) -> -b.score()));
    List<Box> kept = new ArrayList<>();
    for (Box b : boxes) {
      boolean keep = true;
      for (Box k : kept) {
        if (k.cls() == b.cls() && overlap(k, b) > iou) {
          keep = false;
          break;
        }
      }
      if (keep) {
        kept.add(b);
        if (kept.size() == 300) {
          break;
        }
      }
    }
    return kept;
  }

  private static float overlap(Box a, Box b) {
    float iw = Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1());
    float ih = Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1());
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    float inter = iw * ih;
    float union = (a.x2() - a.x1()) * (a.y2() - a.y1()) + (b.x2() - b.x1()) * (b.y2() - b.y1()) - inter;
    return union <= 0 ? 0 : inter / union;
  }
}
