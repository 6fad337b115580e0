package io.framewise.benchmarks;

import io.framewise.ModelFormat;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The benchmark's own preprocessing, written from each family's published recipe (not the SDK's
 * code), so the baselines cost what a hand-written loop would:
 * <ul>
 *   <li>YOLOX (Megvii): BGR, values 0-255, letterbox at the top-left with truncated sizes, pad 114;
 *   <li>YOLOv8 / YOLOv5 / end-to-end (Ultralytics): RGB / 255, centred letterbox with rounded sizes, pad 114;
 *   <li>SSD: RGB, plain resize, {@code (x - 127) / 128}.
 * </ul>
 * Resizing is bilinear with pixel centres aligned (OpenCV's {@code INTER_LINEAR}). Tables are kept
 * while the source size stays the same. Not thread-safe.
 */
final class Preprocess {

  final ModelFormat format;
  final int dstW;
  final int dstH;
  private final boolean bgr;
  private final float scale;
  private final float mean;
  private final float std;
  private final float pad;

  private int srcW = -1;
  private int srcH = -1;
  // placement of the resized image in the input, and the scale source -> input
  int left;
  int top;
  int width;
  int height;
  double rx;
  double ry;
  private int[] xa;
  private int[] xb;
  private float[] xw;
  private int[] ya;
  private int[] yb;
  private float[] yw;
  private byte[] row0;
  private byte[] row1;
  private final float[] out;

  Preprocess(ModelFormat format, int dstW, int dstH) {
    this.format = format;
    this.dstW = dstW;
    this.dstH = dstH;
    switch (format) {
      case YOLOX -> {
        bgr = true;
        scale = 1f;
        mean = 0f;
        std = 1f;
      }
      case SSD -> {
        bgr = false;
        scale = 1f;
        mean = 127f;
        std = 128f;
      }
      default -> {
        bgr = false;
        scale = 1f / 255f;
        mean = 0f;
        std = 1f;
      }
    }
    pad = format == ModelFormat.SSD ? 0 : (114 * scale - mean) / std;
    out = new float[3 * dstW * dstH];
  }

  /**
   * Fills {@code dst} (at its current position) with the planar CHW input for one packed BGR frame.
   *
   * @param src BGR pixels, row {@code y} at {@code y * stride}
   */
  void apply(ByteBuffer src, int w, int h, int stride, FloatBuffer dst) {
    dst.put(apply(src, w, h, stride));
  }

  /** Returns the planar CHW input; the array is reused by the next call. */
  float[] apply(ByteBuffer src, int w, int h, int stride) {
    if (w != srcW || h != srcH) {
      prepare(w, h);
    }
    if (width != dstW || height != dstH) {
      Arrays.fill(out, pad);
    }
    int plane = dstW * dstH;
    int c0 = bgr ? 0 : 2;
    int c2 = bgr ? 2 : 0;
    int rowBytes = 3 * w;
    for (int y = 0; y < height; y++) {
      src.get(ya[y] * stride, row0, 0, rowBytes);
      src.get(yb[y] * stride, row1, 0, rowBytes);
      float fy = yw[y];
      int o = (top + y) * dstW + left;
      for (int x = 0; x < width; x++, o++) {
        int a = xa[x];
        int b = xb[x];
        float fx = xw[x];
        out[o] = ((bilinear(a, b, fx, fy, c0)) * scale - mean) / std;
        out[plane + o] = ((bilinear(a, b, fx, fy, 1)) * scale - mean) / std;
        out[2 * plane + o] = ((bilinear(a, b, fx, fy, c2)) * scale - mean) / std;
      }
    }
    return out;
  }

  private float bilinear(int a, int b, float fx, float fy, int c) {
    float p00 = row0[a + c] & 0xff;
    float p01 = row0[b + c] & 0xff;
    float p10 = row1[a + c] & 0xff;
    float p11 = row1[b + c] & 0xff;
    float t = p00 + (p01 - p00) * fx;
    float u = p10 + (p11 - p10) * fx;
    return t + (u - t) * fy;
  }

  /** Maps an input-pixel x back to the source frame. */
  double toSourceX(double x, int srcWidth) {
    return Math.max(0, Math.min(srcWidth, (x - left) / rx));
  }

  double toSourceY(double y, int srcHeight) {
    return Math.max(0, Math.min(srcHeight, (y - top) / ry));
  }

  private void prepare(int w, int h) {
    srcW = w;
    srcH = h;
    switch (format) {
      case SSD -> {
        left = 0;
        top = 0;
        width = dstW;
        height = dstH;
        rx = (double) dstW / w;
        ry = (double) dstH / h;
      }
      case YOLOX -> {
        double r = Math.min((double) dstW / w, (double) dstH / h);
        width = Math.max(1, (int) (w * r));
        height = Math.max(1, (int) (h * r));
        left = 0;
        top = 0;
        rx = r;
        ry = r;
      }
      default -> {
        double r = Math.min((double) dstW / w, (double) dstH / h);
        width = Math.max(1, (int) Math.round(w * r));
        height = Math.max(1, (int) Math.round(h * r));
        left = (int) Math.round((dstW - width) / 2.0 - 0.1);
        top = (int) Math.round((dstH - height) / 2.0 - 0.1);
        rx = r;
        ry = r;
      }
    }
    xa = new int[width];
    xb = new int[width];
    xw = new float[width];
    axis(w, width, xa, xb, xw);
    for (int i = 0; i < width; i++) {
      xa[i] *= 3;
      xb[i] *= 3;
    }
    ya = new int[height];
    yb = new int[height];
    yw = new float[height];
    axis(h, height, ya, yb, yw);
    row0 = new byte[3 * w];
    row1 = new byte[3 * w];
  }

  private static void axis(int src, int dst, int[] lo, int[] hi, float[] weight) {
    double s = (double) src / dst;
    for (int d = 0; d < dst; d++) {
      double f = (d + 0.5) * s - 0.5;
      int i = (int) Math.floor(f);
      if (i < 0) {
        lo[d] = 0;
        hi[d] = 0;
        weight[d] = 0;
      } else if (i >= src - 1) {
        lo[d] = src - 1;
        hi[d] = src - 1;
        weight[d] = 0;
      } else {
        lo[d] = i;
        hi[d] = i + 1;
        weight[d] = (float) (f - i);
      }
    }
  }
}
