package io.framewise.gpu;

import io.framewise.ModelFormat;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A model's output family and the facts needed to decode it.
 *
 * @param format the family
 * @param output the main output's name (SSD: the scores)
 * @param boxesOutput SSD only: the boxes output's name
 * @param classes number of classes
 * @param why how the family was decided, for the log
 */
record ModelLayout(ModelFormat format, String output, @Nullable String boxesOutput, int classes, String why) {

  /** YOLOX's head strides. */
  static final int[] YOLOX_STRIDES = {8, 16, 32};

  /** One model output: its name and shape ({@code -1} for a dynamic dimension). */
  record Output(String name, long[] shape) {
    @Override
    public String toString() {
      return name + Arrays.toString(shape);
    }
  }

  /** Rows of a YOLOX head (or of an anchor-free grid) over strides 8, 16 and 32 for an input size. */
  static long gridCells(int width, int height) {
    long n = 0;
    for (int s : YOLOX_STRIDES) {
      n += (long) (height / s) * (width / s);
    }
    return n;
  }

  /**
   * Decides the family. An explicit format is only checked against the shapes; otherwise metadata
   * ({@code framewise.format}, Ultralytics' {@code end2end}) and then the shapes decide.
   *
   * @throws IllegalArgumentException with the reason when nothing fits
   */
  static ModelLayout detect(ModelFormat requested, List<Output> outputs, Map<String, String> metadata, int inputW, int inputH) {
    ModelFormat wanted = requested;
    String why = "given explicitly";
    if (wanted == ModelFormat.AUTO) {
      String tagged = metadata.get("framewise.format");
      if (tagged != null) {
        wanted = ModelFormat.fromId(tagged);
        why = "metadata framewise.format=" + tagged;
      }
    }
    if (outputs.size() == 2 && (wanted == ModelFormat.AUTO || wanted == ModelFormat.SSD)) {
      return ssd(outputs, wanted == ModelFormat.AUTO ? "two outputs, scores [1,N,C] and boxes [1,N,4]" : why);
    }
    if (outputs.size() != 1) {
      throw new IllegalArgumentException(wanted == ModelFormat.SSD
          ? "SSD models have two outputs (scores and boxes)"
          : "expected one output of rank 3 (or two for SSD), found " + outputs.size());
    }
    Output out = outputs.get(0);
    long[] s = out.shape();
    if (s.length != 3) {
      throw new IllegalArgumentException("expected an output of rank 3, found " + out);
    }
    long a = s[1];
    long b = s[2];
    boolean end2endTag = "true".equals(metadata.getOrDefault("end2end", "").toLowerCase(Locale.ROOT));
    if (wanted == ModelFormat.AUTO) {
      long grid = gridCells(inputW, inputH);
      int nc = metadataClasses(metadata);
      if (end2endTag && b == 6) {
        wanted = ModelFormat.END2END;
        why = "metadata end2end=True and [1,K,6] output";
      } else if (nc > 0 && a == 4 + nc && b != 5 + nc) {
        // Metadata that fixes the class count wins over grid arithmetic: [1,84,16] at 64x64 is 84 = 4+80
        // channels, not 84 grid rows of 11 classes.
        wanted = ModelFormat.YOLOV8;
        why = "[1,4+nc,N] output with nc = " + nc + " from the metadata's names (channels first)";
      } else if (nc > 0 && b == 5 + nc && a != 4 + nc) {
        wanted = a == grid ? ModelFormat.YOLOX : ModelFormat.YOLOV5;
        why = "[1,N,5+nc] output with nc = " + nc + " from the metadata's names"
            + (a == grid ? " and N = " + grid + " rows, one per grid cell of strides 8/16/32 (YOLOX raw head)"
                : a == 3 * grid ? " and N = 3 anchors x " + grid + " grid cells (YOLOv5/v7)"
                : ", assumed YOLOv5/v7 (pass format yolox for a YOLOX raw head)");
      } else if (a > 4 && (b > a || b < 0)) {
        wanted = ModelFormat.YOLOV8;
        why = "[1,4+nc,N] output (channels first)";
      } else if (b > 5 && a == grid) {
        wanted = ModelFormat.YOLOX;
        why = "[1,N,5+nc] with N = " + grid + " rows, one per grid cell of strides 8/16/32 (YOLOX raw head)";
      } else if (b > 5 && a == 3 * grid) {
        wanted = ModelFormat.YOLOV5;
        why = "[1,N,5+nc] with N = 3 anchors x " + grid + " grid cells (YOLOv5/v7)";
      } else if (b == 6) {
        wanted = ModelFormat.END2END;
        why = "[1,K,6] output (x1, y1, x2, y2, score, class)";
      } else if (b > 6) {
        wanted = ModelFormat.YOLOV5;
        why = "[1,N,5+nc] output, assumed YOLOv5/v7 (pass format yolox for a YOLOX raw head)";
      } else {
        throw new IllegalArgumentException("output " + out + " matches no supported family");
      }
    }
    return switch (wanted) {
      case YOLOV8 -> {
        require(a > 4, out, "YOLOv8 output [1, 4+nc, N]");
        yield new ModelLayout(ModelFormat.YOLOV8, out.name(), null, (int) (a - 4), why);
      }
      case YOLOV5, YOLOX -> {
        require(b > 5, out, wanted.id() + " output [1, N, 5+nc]");
        if (wanted == ModelFormat.YOLOX && a > 0 && a != gridCells(inputW, inputH)) {
          throw new IllegalArgumentException("YOLOX head " + out + " has " + a + " rows, but a " + inputW + "x" + inputH
              + " input over strides 8/16/32 gives " + gridCells(inputW, inputH));
        }
        yield new ModelLayout(wanted, out.name(), null, (int) (b - 5), why);
      }
      case END2END -> {
        require(b == 6, out, "end-to-end output [1, K, 6]");
        yield new ModelLayout(ModelFormat.END2END, out.name(), null, 0, why);
      }
      case SSD -> throw new IllegalArgumentException("SSD models have two outputs (scores and boxes)");
      case AUTO -> throw new AssertionError();
    };
  }

  /**
   * The class count the metadata fixes: Ultralytics' {@code nc}, else the number of entries of its
   * {@code names} (highest id + 1); -1 when neither is there.
   */
  static int metadataClasses(Map<String, String> metadata) {
    String nc = metadata.get("nc");
    if (nc != null && nc.strip().matches("\\d{1,6}")) {
      return Integer.parseInt(nc.strip());
    }
    String names = metadata.get("names");
    if (names != null) {
      int n = LoadedModel.parseNames(names).size();
      return n > 0 ? n : -1;
    }
    return -1;
  }

  private static ModelLayout ssd(List<Output> outputs, String why) {
    Output boxes = null;
    Output scores = null;
    for (Output o : outputs) {
      long[] s = o.shape();
      if (s.length == 3 && s[2] == 4 && (boxes == null || o.name().toLowerCase(Locale.ROOT).contains("box"))) {
        if (boxes != null) {
          scores = boxes;
        }
        boxes = o;
      } else {
        scores = o;
      }
    }
    if (boxes == null || scores == null || scores.shape().length != 3 || scores.shape()[2] < 1) {
      throw new IllegalArgumentException("SSD needs scores [1,N,C] and boxes [1,N,4]; found " + outputs);
    }
    long n1 = scores.shape()[1];
    long n2 = boxes.shape()[1];
    if (n1 > 0 && n2 > 0 && n1 != n2) {
      throw new IllegalArgumentException("SSD scores and boxes disagree on N: " + outputs);
    }
    long c = scores.shape()[2];
    // SSD convention: column 0 is the background class when there is more than one column.
    int classes = (int) (c > 1 ? c - 1 : c);
    return new ModelLayout(ModelFormat.SSD, scores.name(), boxes.name(), classes, why);
  }

  private static void require(boolean ok, Output out, String expected) {
    if (!ok) {
      throw new IllegalArgumentException("output " + out + " does not fit " + expected);
    }
  }
}
