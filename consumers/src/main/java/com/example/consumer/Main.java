package com.example.consumer;

import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import java.nio.file.Path;

/**
 * A user's application, written as the README shows: {@code Main VIDEO MODEL LABELS OUT.json STRIDE}.
 * Exits 0 when the result is complete, 3 otherwise.
 */
public final class Main {

  private Main() {}

  /**
   * Runs the detector over the video and writes the JSON.
   *
   * @param args video, model, labels file, output file, frame stride
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    DetectionSummary summary = VideoDetector.open(Path.of(args[0]))
        .model(ModelSpec.builder(Path.of(args[1])).labelsFile(Path.of(args[2])).build())
        .confidence(0.25).iou(0.45)
        .frameStride(Integer.parseInt(args[4]))
        .writeJson(Path.of(args[3]));
    System.out.println("complete: " + summary.complete());
    System.exit(summary.complete() ? 0 : 3);
  }
}
