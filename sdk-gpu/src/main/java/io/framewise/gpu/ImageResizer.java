package io.framewise.gpu;

import io.framewise.spi.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Fits a BGR frame into a planar float model input with bilinear interpolation (pixel-centre aligned,
 * as OpenCV's {@code INTER_LINEAR}), padding, channel order and normalisation. Reuses its buffers
 * while the frame size stays the same.
 *
 * <p>The arithmetic is OpenCV's reference (scalar) code for 8-bit images, to the bit; OpenCV's
 * vectorised paths approximate the vertical blend in 16 bits and can differ from it by one level in
 * some pixels (about one value in eight measured on random pixels), so pipelines built on OpenCV can too.
 */
final class ImageResizer {

  private static final int COEF_BITS = 11;
  private static final int COEF = 1 << COEF_BITS;

  private final Preprocessing pre;
  private final int dstW;
  private final int dstH;
  /** A row of padding, and one output row per channel. */
  private final float[] padRow;
  private final float[] rowOut0;
  private final float[] rowOut1;
  private final float[] rowOut2;
  /** Normalised value of each 8-bit pixel value. */
  private final float[] lut = new float[256];

  private Preprocessing.Geometry geometry;
  private int frameWidth;
  private int frameHeight;
  private boolean identity;
  private int[] x0 = new int[0];
  private int[] x1 = new int[0];
  private int[] wx = new int[0];
  private int[] y0 = new int[0];
  private int[] y1 = new int[0];
  private int[] wy = new int[0];
  private byte[] row0 = new byte[0];
  private byte[] row1 = new byte[0];

  ImageResizer(Preprocessing pre, int dstW, int dstH) {
    this.pre = pre;
    this.dstW = dstW;
    this.dstH = dstH;
    this.padRow = new float[dstW];
    Arrays.fill(padRow, pre.normalize(pre.pad()));
    this.rowOut0 = new float[dstW];
    this.rowOut1 = new float[dstW];
    this.rowOut2 = new float[dstW];
    for (int v = 0; v < 256; v++) {
      lut[v] = pre.normalize(v);
    }
  }

  /**
   * Writes this frame's input planes (C, H, W) into {@code dst} at {@code offset} (in floats): the
   * resized image rows, and the padding around them unless the slot already holds the padding of this
   * geometry ({@code slotGeometry}, the value this method returned for the slot's previous frame).
   *
   * @return where the frame lies in the input
   */
  Preprocessing.Geometry apply(VideoFrame frame, FloatBuffer dst, int offset, Preprocessing.@Nullable Geometry slotGeometry) {
    if (geometry == null || geometry.srcW() != frame.sourceWidth() || geometry.srcH() != frame.sourceHeight()
        || frameWidth != frame.width() || frameHeight != frame.height()) {
      prepare(frame);
    }
    Preprocessing.Geometry g = geometry;
    int plane = dstW * dstH;
    if (!g.equals(slotGeometry) && (g.width() != dstW || g.height() != dstH)) {
      for (int i = 0; i < 3 * plane; i += padRow.length) {
        dst.put(offset + i, padRow, 0, Math.min(padRow.length, 3 * plane - i));
      }
    }
    // output channel k reads BGR byte offset: RGB order reads 2,1,0; BGR order reads 0,1,2
    int c0 = pre.bgr() ? 0 : 2;
    int c2 = pre.bgr() ? 2 : 0;
    ByteBuffer src = frame.bgr();
    int stride = frame.stride();
    int rowBytes = 3 * frame.width();
    int w = g.width();
    float[] out0 = rowOut0;
    float[] out1 = rowOut1;
    float[] out2 = rowOut2;
    for (int y = 0; y < g.height(); y++) {
      if (identity) {
        // the decoder delivered the frame at the resized size: normalise and place, no interpolation
        src.get(y * stride, row0, 0, rowBytes);
        for (int x = 0, o = 0; x < w; x++, o += 3) {
          out0[x] = lut[row0[o + c0] & 0xff];
          out1[x] = lut[row0[o + 1] & 0xff];
          out2[x] = lut[row0[o + c2] & 0xff];
        }
      } else {
        src.get(y0[y] * stride, row0, 0, rowBytes);
        src.get(y1[y] * stride, row1, 0, rowBytes);
        int fy = wy[y];
        for (int x = 0; x < w; x++) {
          int a = x0[x];
          int b = x1[x];
          int fx = wx[x];
          out0[x] = lut[lerp(row0, row1, a, b, fx, fy, c0)];
          out1[x] = lut[lerp(row0, row1, a, b, fx, fy, 1)];
          out2[x] = lut[lerp(row0, row1, a, b, fx, fy, c2)];
        }
      }
      int at = offset + (g.top() + y) * dstW + g.left();
      dst.put(at, out0, 0, w);
      dst.put(at + plane, out1, 0, w);
      dst.put(at + 2 * plane, out2, 0, w);
    }
    return g;
  }

  /**
   * Bilinear interpolation in 11-bit fixed point, rounded to 8 bits, as OpenCV's {@code INTER_LINEAR}
   * does for 8-bit images (the resize that reference pipelines and Ultralytics' letterbox use).
   */
  private static int lerp(byte[] r0, byte[] r1, int a, int b, int fx, int fy, int c) {
    int top = (r0[a + c] & 0xff) * (COEF - fx) + (r0[b + c] & 0xff) * fx;
    int bottom = (r1[a + c] & 0xff) * (COEF - fx) + (r1[b + c] & 0xff) * fx;
    return (top * (COEF - fy) + bottom * fy + (1 << (2 * COEF_BITS - 1))) >> (2 * COEF_BITS);
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

  /** For each destination index: the weight of the second source pixel, in 1/2048ths (as OpenCV rounds it). */
  private static int[] weights(int src, int dst) {
    int[] w = new int[dst];
    double scale = (double) src / dst;
    for (int d = 0; d < dst; d++) {
      float f = (float) ((d + 0.5) * scale - 0.5);
      int i = (int) Math.floor(f);
      float t = f - i;
      if (i < 0 || i >= src - 1) {
        t = 0;
      }
      // OpenCV rounds each weight with cvRound (half to even); the two always sum to 2048
      int first = (int) Math.rint((1f - t) * COEF);
      w[d] = COEF - first;
    }
    return w;
  }

  private static int sourceIndex(int src, int dst, int d) {
    double f = (d + 0.5) * ((double) src / dst) - 0.5;
    int i = (int) Math.floor(f);
    return Math.max(0, Math.min(i, src - 1));
  }

  /** Where a frame of the given video size lands in the input. */
  Preprocessing.Geometry geometryFor(int sourceWidth, int sourceHeight) {
    return pre.geometry(sourceWidth, sourceHeight, dstW, dstH);
  }

  /** Sets up sampling from the delivered frame (maybe already scaled) to the resized image. */
  private void prepare(VideoFrame frame) {
    geometry = geometryFor(frame.sourceWidth(), frame.sourceHeight());
    int srcW = frame.width();
    int srcH = frame.height();
    frameWidth = srcW;
    frameHeight = srcH;
    int w = geometry.width();
    int h = geometry.height();
    identity = srcW == w && srcH == h;
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
