package io.framewise.gpu;

/**
 * A model output value no working detector produces (see docs/models.md, "Outputs that are not
 * numbers"): thrown by {@link OutputDecoder}, turned by the adapter into a {@code ModelException}
 * that names the model file and the frame.
 */
final class BadOutput extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** FW-206: NaN or an infinity in a score, a box or a class of a candidate. */
  static final String NOT_FINITE = "FW-206";
  /** FW-207: a score above 1. */
  static final String SCORE_ABOVE_ONE = "FW-207";
  /** FW-208: a class id outside the model's classes or beyond its label list. */
  static final String CLASS_OUT_OF_RANGE = "FW-208";

  final String code;

  BadOutput(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  static BadOutput notFinite(String what, int row, float value) {
    return new BadOutput(NOT_FINITE, what + " of row " + row + " is " + value);
  }

  static BadOutput scoreAboveOne(String what, int row, float value) {
    return new BadOutput(SCORE_ABOVE_ONE, what + " of row " + row + " is " + value
        + ", above 1 (scores must be probabilities: is a sigmoid or softmax missing from the export?)");
  }
}
