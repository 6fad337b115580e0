package io.framewise.gpu;

import io.framewise.spi.VideoFrame;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Fits a BGR frame into a planar float model input with bilinear interpolation (pixel-centre aligned,
 * as OpenCV's {@code INTER_LINEAR}), padding, channel order and normalisation. Reuses its buffers
 * while the frame size stays the same.
 */
final class ImageResizer {

  private final Preprocessing pre;
  private final int dstW;
  private final int dstH;
  private final float[] planes;
  private final float padValue;

  private Preprocessing.Geometry geometry;
  private int[] x0 = new int[0];
  private int[] x1 = new int[0];
  private float[] wx = new float[0];
  private int[] y0 = new int[0];
  private int[] y1 = new int[0];
  private float[] wy = new float[0];
  private byte[] row0 = new byte[0];
  private byte[] row1 = new byte[0];

  ImageResizer(Preprocessing pre, int dstW, int dstH) {
    this.pre = pre;
    this.dstW = dstW;
    this.dstH = dstH;
    this.planes = new float[3 * dstW * dstH];
    this.padValue = pre.normalize(pre.pad());
  }

  /** Returns the input planes (C, H, W) for this frame; the array is reused by the next call. */
  float[] apply(VideoFrame frame) {
    if (geometry == null || geometry.srcW() != frame.width() || geometry.srcH() != frame.height()) {
      prepare(frame.width(), frame.height());
    }
    Preprocessing.Geometry g = geometry;
    if (g.width() != dstW || g.height() != dstH) {
      Arrays.fill(planes, padValue);
    }
    int plane = dstW * dstH;
    // output channel k reads BGR byte offset: RGB order reads 2,1,0; BGR order reads 0,1,2
    int c0 = pre.bgr() ? 0 : 2;
    int c2 = pre.bgr() ? 2 : 0;
    float scale = pre.scale();
    float mean = pre.mean();
    float std = pre.std();
    ByteBuffer src = frame.bgr();
    int stride = frame.stride();
    int rowBytes = 3 * frame.width();
    for (int y = 0; y < g.height(); y++) {
      src.get(y0[y] * stride, row0, 0, rowBytes);
      src.get(y1[y] * stride, row1, 0, rowBytes);
      float fy = wy[y];
      int out = (g.top() + y) * dstW + g.left();
      for (int x = 0; x < g.width(); x++, out++) {
        int a = x0[x];
        int b = x1[x];
        float fx = wx[x];
        planes[out] = norm(lerp(row0, row1, a, b, fx, fy, c0), scale, mean, std);
        planes[plane + out] = norm(lerp(row0, row1, a, b, fx, fy, 1), scale, mean, std);
        planes[2 * plane + out] = norm(lerp(row0, row1, a, b, fx, fy, c2), scale, mean, std);
      }
    }
    return planes;
  }

  Preprocessing.Geometry geometry() {
    return geometry;
  }

  private static float norm(float v, float scale, float mean, float std) {
    return (v * scale - mean) / std;
  }

  private static float lerp(byte[] r0, byte[] r1, int a, int b, float fx, float fy, int c) {
    float p00 = r0[a + c] & 0xff;
    float p01 = r0[b + c] & 0xff;
    float p10 = r1[a + c] & 0xff;
    float p11 = r1[b + c] & 0xff;
    float top = p00 + (p01 - p00) * fx;
    float bottom = p10 + (p11 - p10) * fx;
    return top + (bottom - top) * fy;
  }

  /** For each destination index along one axis: the two source indices to blend (pixel-centre aligned). */
  private static int[][] axis(int src, int dst) {
    int[] lo = new int[dst];
    int[] hi = new int[dst];
    for (int d = 0; d < dst; d++) {
      int i = sourceIndex(src, dst, d);
      lo[d] = i;
      hi[d] = Math.min(i + 1, src - 1);
    }
    return new int[][] {lo, hi};
  }

  /** For each destination index: the weight of the second source pixel. */
  private static float[] weights(int src, int dst) {
    float[] w = new float[dst];
    double scale = (double) src / dst;
    for (int d = 0; d < dst; d++) {
      double f = (d + 0.5) * scale - 0.5;
      int i = sourceIndex(src, dst, d);
      w[d] = f < 0 || i >= src - 1 ? 0 : (float) (f - i);
    }
    return w;
  }

  private static int sourceIndex(int src, int dst, int d) {
    double f = (d + 0.5) * ((double) src / dst) - 0.5;
    int i = (int) Math.floor(f);
    return Math.max(0, Math.min(i, src - 1));
  }

  private void prepare(int srcW, int srcH) {
    geometry = pre.geometry(srcW, srcH, dstW, dstH);
    int w = geometry.width();
    int h = geometry.height();
    int[][] xs = axis(srcW, w);
    x0 = xs[0];
    x1 = xs[1];
    wx = weights(srcW, w);
    for (int x = 0; x < w; x++) {
      x0[x] *= 3;
      x1[x] *= 3;
    }
    int[][] ys = axis(srcH, h);
    y0 = ys[0];
    y1 = ys[1];
    wy = weights(srcH, h);
    row0 = new byte[3 * srcW];
    row1 = new byte[3 * srcW];
  }
}
