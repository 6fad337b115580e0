package io.framewise.testkit;

import io.framewise.BoundingBox;

/**
 * One ground-truth object of a {@link SyntheticVideo} frame, in source-frame pixel coordinates.
 *
 * <p>Immutable and thread-safe.
 *
 * @param classId class index: 0 red, 1 green, 2 blue (see {@link SyntheticDetector#LABELS})
 * @param x1 left edge, in pixels
 * @param y1 top edge
 * @param x2 right edge, {@code x1 + objectSize}
 * @param y2 bottom edge, {@code y1 + objectSize}
 */
public record TruthBox(int classId, double x1, double y1, double x2, double y2) {

  /**
   * Returns the class label, as in {@link SyntheticDetector#LABELS}.
   *
   * @return "red", "green" or "blue"
   */
  public String label() {
    return SyntheticDetector.LABELS.get(classId);
  }

  /**
   * Returns the box as the SDK's value type.
   *
   * @return the same corners as a {@link BoundingBox}
   */
  public BoundingBox box() {
    return new BoundingBox(x1, y1, x2, y2);
  }

  /**
   * Returns the horizontal centre.
   *
   * @return {@code (x1 + x2) / 2}
   */
  public double centerX() {
    return (x1 + x2) / 2;
  }

  /**
   * Returns the vertical centre.
   *
   * @return {@code (y1 + y2) / 2}
   */
  public double centerY() {
    return (y1 + y2) / 2;
  }
}
