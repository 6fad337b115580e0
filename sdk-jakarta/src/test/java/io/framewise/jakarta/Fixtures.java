package io.framewise.jakarta;

import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A synthetic clip and detector with exact ground truth, made once per test JVM. */
final class Fixtures {

  static final SyntheticVideo VIDEO = SyntheticVideo.builder().frames(24).gopSize(6).build();
  static final Path DIR;
  static final Path VIDEO_FILE;
  static final Path MODEL_FILE;

  static {
    try {
      DIR = Files.createTempDirectory("framewise-jakarta-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    VIDEO_FILE = VIDEO.write(DIR.resolve("clip.mp4"));
    MODEL_FILE = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(DIR.resolve("squares.onnx"));
  }

  private Fixtures() {}

  /** Objects drawn over the whole clip: what a complete run must detect, exactly. */
  static long truthDetections() {
    long n = 0;
    for (int f = 0; f < VIDEO.frames(); f++) {
      n += VIDEO.truth(f).size();
    }
    return n;
  }
}
