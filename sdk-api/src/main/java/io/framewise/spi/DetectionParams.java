package io.framewise.spi;

/**
 * Thresholds for turning raw model output into detections.
 *
 * @param confidence minimum score a detection must have, in [0, 1]
 * @param iou overlap above which non-maximum suppression drops the weaker of two same-class boxes, in [0, 1]
 * @since 0.1
 */
public record DetectionParams(double confidence, double iou) {

  /** Confidence 0.25 and IoU 0.45, the common defaults of YOLO-family tools. */
  public static final DetectionParams DEFAULTS = new DetectionParams(0.25, 0.45);

  /** Validates the ranges. */
  public DetectionParams {
    if (!(confidence >= 0 && confidence <= 1)) {
      throw new IllegalArgumentException("confidence must be in [0, 1], was " + confidence);
    }
    if (!(iou >= 0 && iou <= 1)) {
      throw new IllegalArgumentException("iou must be in [0, 1], was " + iou);
    }
  }
}
