package io.framewise.core;

import io.framewise.BoundingBox;
import io.framewise.Detection;
import io.framewise.ModelFormat;
import io.framewise.ModelInfo;
import io.framewise.ModelSpec;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.VideoFrame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A user-written model adapter, in plain Java: finds the pure red, green and blue squares of the test
 * kit's videos by averaging grid cells. It shows (and tests) that the SPI takes a user's own adapter.
 */
public final class ColourBlobDetector implements ModelAdapterProvider {

  static final int CELL = 64;

  @Override
  public String name() {
    return "colour-blobs";
  }

  @Override
  public ModelAdapter open(ModelSpec spec) {
    ModelInfo info = new ModelInfo("colour-blobs", ModelFormat.END2END, CELL, CELL, List.of("red", "green", "blue"));
    return new ModelAdapter() {
      @Override
      public ModelInfo info() {
        return info;
      }

      @Override
      public List<Detection> detect(VideoFrame frame, DetectionParams params) {
        List<Detection> found = new ArrayList<>();
        ByteBuffer px = frame.bgr();
        for (int gy = 0; gy + CELL <= frame.height(); gy += CELL) {
          for (int gx = 0; gx + CELL <= frame.width(); gx += CELL) {
            double[] mean = new double[3];
            for (int y = gy; y < gy + CELL; y++) {
              for (int x = gx; x < gx + CELL; x++) {
                int o = y * frame.stride() + 3 * x;
                mean[0] += px.get(o) & 0xff;
                mean[1] += px.get(o + 1) & 0xff;
                mean[2] += px.get(o + 2) & 0xff;
              }
            }
            for (int c = 0; c < 3; c++) {
              mean[c] /= CELL * CELL * 255.0;
            }
            // classes: 0 red (BGR index 2), 1 green (1), 2 blue (0)
            double[] score = {mean[2], mean[1], mean[0]};
            for (int k = 0; k < 3; k++) {
              if (score[k] >= params.confidence()) {
                found.add(new Detection(k, info.label(k), Math.min(1, score[k]), new BoundingBox(gx, gy, gx + CELL, gy + CELL)));
              }
            }
          }
        }
        return found;
      }

      @Override
      public void close() {}
    };
  }
}
