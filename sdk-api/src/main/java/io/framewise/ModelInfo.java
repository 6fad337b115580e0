package io.framewise;

import java.util.List;
import java.util.Objects;

/**
 * What the model adapter resolved about the model.
 *
 * @param name the model's name (its file name without {@code .onnx} unless given)
 * @param format the output family that decodes it
 * @param inputWidth the width of the image fed to the model
 * @param inputHeight the height of the image fed to the model
 * @param labels class names by class id; empty when the model has none and none were given
 * @since 0.1
 */
public record ModelInfo(String name, ModelFormat format, int inputWidth, int inputHeight, List<String> labels) {

  /** Copies the labels and validates the fields. */
  public ModelInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(format, "format");
    labels = List.copyOf(labels);
  }

  /**
   * Returns the label of a class, or its id as text when there is no label for it.
   *
   * @param classId the class id
   * @return the label
   */
  public String label(int classId) {
    return classId >= 0 && classId < labels.size() ? labels.get(classId) : Integer.toString(classId);
  }
}
