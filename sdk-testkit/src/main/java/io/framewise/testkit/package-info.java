/**
 * Test kit: synthetic inputs with exactly known ground truth, for tests, demos and benchmarks.
 *
 * <p>{@link io.framewise.testkit.SyntheticVideo} writes videos of coloured squares on black whose
 * boxes are a pure function of the frame index ({@link io.framewise.testkit.SyntheticVideo#truth}),
 * and {@link io.framewise.testkit.SyntheticDetector} builds tiny ONNX models, one per output layout
 * ({@link io.framewise.testkit.SyntheticFamily}), that detect exactly those squares. Together they
 * let a test check a whole pipeline (decode, preprocess, infer, decode boxes, map back to source
 * pixels) against exact expectations without shipping any binary fixtures.
 */
@NullMarked
package io.framewise.testkit;

import org.jspecify.annotations.NullMarked;
