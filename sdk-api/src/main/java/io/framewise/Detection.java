package io.framewise;

import java.util.Objects;

/**
 * One object found in one frame.
 *
 * @param classId the model's class index, 0-based
 * @param label the class name (from the model metadata, a labels file, or the class id as text)
 * @param score the confidence in [0, 1]
 * @param box where the object is, in source-frame pixels
 * @since 0.1
 */
public record Detection(int classId, String label, double score, BoundingBox box) {

  /**
   * Validates the fields.
   *
   * @throws IllegalArgumentException if {@code classId} is negative or {@code score} is not in [0, 1]
   * @throws NullPointerException if {@code label} or {@code box} is null
   */
  public Detection {
    if (classId < 0) {
      throw new IllegalArgumentException("classId must be >= 0, was " + classId);
    }
    if (!(score >= 0 && score <= 1)) {
      throw new IllegalArgumentException("score must be in [0, 1], was " + score);
    }
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(box, "box");
  }
}
