package io.framewise;

/**
 * An axis-aligned box in source-frame pixel coordinates: {@code (x1, y1)} is the top-left corner,
 * {@code (x2, y2)} the bottom-right one, with {@code x1 <= x2} and {@code y1 <= y2}.
 *
 * @param x1 left edge, in pixels of the decoded frame
 * @param y1 top edge
 * @param x2 right edge
 * @param y2 bottom edge
 * @since 0.1
 */
public record BoundingBox(double x1, double y1, double x2, double y2) {

  /**
   * Validates the corners.
   *
   * @throws IllegalArgumentException if a coordinate is not finite or the box is inverted
   */
  public BoundingBox {
    if (!Double.isFinite(x1) || !Double.isFinite(y1) || !Double.isFinite(x2) || !Double.isFinite(y2)) {
      throw new IllegalArgumentException("box coordinates must be finite: " + x1 + ", " + y1 + ", " + x2 + ", " + y2);
    }
    if (x2 < x1 || y2 < y1) {
      throw new IllegalArgumentException("inverted box: (" + x1 + ", " + y1 + ") - (" + x2 + ", " + y2 + ")");
    }
  }

  /** Returns the width, {@code x2 - x1}. @return the width in pixels */
  public double width() {
    return x2 - x1;
  }

  /** Returns the height, {@code y2 - y1}. @return the height in pixels */
  public double height() {
    return y2 - y1;
  }

  /** Returns the area. @return width times height */
  public double area() {
    return width() * height();
  }

  /**
   * Returns the intersection over union of this box and another one.
   *
   * @param other the other box
   * @return a value in [0, 1]; 0 when the boxes do not overlap or both are empty
   */
  public double iou(BoundingBox other) {
    double iw = Math.min(x2, other.x2) - Math.max(x1, other.x1);
    double ih = Math.min(y2, other.y2) - Math.max(y1, other.y1);
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    double inter = iw * ih;
    double union = area() + other.area() - inter;
    return union <= 0 ? 0 : inter / union;
  }
}
