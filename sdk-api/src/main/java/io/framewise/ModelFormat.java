package io.framewise;

import java.util.Locale;

/**
 * The output layouts (model families) Framewise decodes. Each family has its own preprocessing and
 * box decoding; see {@code docs/models.md}.
 *
 * @since 0.1
 */
public enum ModelFormat {
  /** Detect the family from the model's outputs and metadata. */
  AUTO,
  /** Ultralytics YOLOv8 / YOLO11: one output {@code [1, 4+nc, N]} of cx, cy, w, h and class scores. */
  YOLOV8,
  /** YOLOv5 / YOLOv7: one output {@code [1, N, 5+nc]} of cx, cy, w, h, objectness and class scores. */
  YOLOV5,
  /** Megvii YOLOX raw head: {@code [1, N, 5+nc]} that still needs grid and stride decoding. */
  YOLOX,
  /** SSD style: {@code scores [1, N, nc]} and {@code boxes [1, N, 4]} in normalised x1, y1, x2, y2. */
  SSD,
  /** End-to-end models with NMS inside: {@code [1, K, 6]} of x1, y1, x2, y2, score, class. */
  END2END;

  /**
   * Returns the lower-case name used in JSON and on the command line.
   *
   * @return for example {@code yolox}
   */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a format name, case-insensitively.
   *
   * @param id a name such as {@code yolov8} or {@code auto}
   * @return the format
   * @throws IllegalArgumentException if the name is not a known format
   */
  public static ModelFormat fromId(String id) {
    for (ModelFormat f : values()) {
      if (f.id().equalsIgnoreCase(id.trim())) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown model format '" + id + "'; expected one of auto, yolov8, yolov5, yolox, ssd, end2end");
  }
}
