package io.framewise.testkit;

/**
 * The output layouts that {@link SyntheticDetector} can imitate, one per detector family the SDK
 * decodes.
 *
 * <p>Enum constants are immutable and thread-safe.
 */
public enum SyntheticFamily {
  /**
   * Ultralytics YOLOv8/v11 layout: input {@code images} (RGB, /255), output {@code output0}
   * {@code [1, 4 + classes, N]} of cx, cy, w, h (input pixels) and class scores.
   */
  YOLOV8(640, 640, 64),
  /**
   * YOLOv5/v7 layout: input {@code images} (RGB, /255), output {@code output}
   * {@code [1, N, 5 + classes]} of cx, cy, w, h, objectness and class scores.
   */
  YOLOV5(320, 320, 32),
  /**
   * Megvii YOLOX raw head: input {@code images} (BGR, 0..255), output {@code output}
   * {@code [1, N, 5 + classes]} with grid-relative xy and log wh over strides 8, 16 and 32.
   */
  YOLOX(320, 320, 32),
  /**
   * SSD-style two-output layout: input {@code input} (RGB, (x - 127) / 128), outputs {@code scores}
   * {@code [1, N, 1 + classes]} (column 0 background) and {@code boxes} {@code [1, N, 4]}
   * (normalised x1, y1, x2, y2).
   */
  SSD(320, 192, 32),
  /**
   * End-to-end (NMS-free) layout: input {@code images} (RGB, /255), output {@code output0}
   * {@code [1, N, 6]} of x1, y1, x2, y2 (input pixels), score and class id.
   */
  END2END(640, 384, 64);

  private final int defaultWidth;
  private final int defaultHeight;
  private final int defaultCell;

  SyntheticFamily(int defaultWidth, int defaultHeight, int defaultCell) {
    this.defaultWidth = defaultWidth;
    this.defaultHeight = defaultHeight;
    this.defaultCell = defaultCell;
  }

  /**
   * Returns the default model input width.
   *
   * @return width in pixels
   */
  public int defaultWidth() {
    return defaultWidth;
  }

  /**
   * Returns the default model input height.
   *
   * @return height in pixels
   */
  public int defaultHeight() {
    return defaultHeight;
  }

  /**
   * Returns the default pooling cell, in input pixels.
   *
   * @return cell side in pixels
   */
  public int defaultCell() {
    return defaultCell;
  }
}
