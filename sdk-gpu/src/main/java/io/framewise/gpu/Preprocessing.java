package io.framewise.gpu;

import io.framewise.ModelFormat;

/**
 * How a family expects its input image: how the frame is fitted into the input, channel order, and
 * the value mapping {@code (pixel * scale - mean) / std}.
 *
 * @param fit how the frame is placed in the input
 * @param bgr true for B, G, R channel order, false for R, G, B
 * @param scale multiplier applied to 0-255 pixel values
 * @param mean subtracted after scaling
 * @param std divisor applied last
 * @param pad the 0-255 value of letterbox padding
 */
record Preprocessing(Fit fit, boolean bgr, float scale, float mean, float std, int pad) {

  /** How the frame is placed in the model input. */
  enum Fit {
    /** Keep the aspect ratio, centre the image (Ultralytics), sizes rounded. */
    LETTERBOX_CENTER,
    /** Keep the aspect ratio, image at the top-left (Megvii YOLOX), sizes truncated. */
    LETTERBOX_TOP_LEFT,
    /** Stretch to the input size, no padding (SSD-style). */
    STRETCH
  }

  static Preprocessing of(ModelFormat format) {
    return switch (format) {
      case YOLOV8, YOLOV5, END2END -> new Preprocessing(Fit.LETTERBOX_CENTER, false, 1f / 255f, 0f, 1f, 114);
      case YOLOX -> new Preprocessing(Fit.LETTERBOX_TOP_LEFT, true, 1f, 0f, 1f, 114);
      case SSD -> new Preprocessing(Fit.STRETCH, false, 1f, 127f, 128f, 0);
      case AUTO -> throw new IllegalArgumentException("AUTO has no preprocessing");
    };
  }

  float normalize(float pixel) {
    return (pixel * scale - mean) / std;
  }

  /**
   * Where a {@code srcW x srcH} frame lands in a {@code dstW x dstH} input.
   */
  Geometry geometry(int srcW, int srcH, int dstW, int dstH) {
    switch (fit) {
      case STRETCH:
        return new Geometry(srcW, srcH, 0, 0, dstW, dstH, (double) dstW / srcW, (double) dstH / srcH);
      case LETTERBOX_TOP_LEFT: {
        double r = Math.min((double) dstW / srcW, (double) dstH / srcH);
        int w = Math.max(1, (int) (srcW * r));
        int h = Math.max(1, (int) (srcH * r));
        return new Geometry(srcW, srcH, 0, 0, w, h, r, r);
      }
      case LETTERBOX_CENTER: {
        double r = Math.min((double) dstW / srcW, (double) dstH / srcH);
        int w = Math.max(1, (int) Math.rint(srcW * r));
        int h = Math.max(1, (int) Math.rint(srcH * r));
        double dw = (dstW - w) / 2.0;
        double dh = (dstH - h) / 2.0;
        int left = (int) Math.rint(dw - 0.1);
        int top = (int) Math.rint(dh - 0.1);
        return new Geometry(srcW, srcH, left, top, w, h, r, r);
      }
      default:
        throw new AssertionError(fit);
    }
  }

  /**
   * The placement of the frame in the input: the resized image occupies {@code [left, left+width) x
   * [top, top+height)}; {@code scaleX/scaleY} map frame pixels to input pixels.
   */
  record Geometry(int srcW, int srcH, int left, int top, int width, int height, double scaleX, double scaleY) {

    double toSourceX(double x) {
      return clamp((x - left) / scaleX, srcW);
    }

    double toSourceY(double y) {
      return clamp((y - top) / scaleY, srcH);
    }

    private static double clamp(double v, int max) {
      return v < 0 ? 0 : Math.min(v, max);
    }
  }
}
