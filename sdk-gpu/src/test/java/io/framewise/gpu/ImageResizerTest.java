package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.ModelFormat;
import io.framewise.spi.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The resizer against OpenCV's {@code INTER_LINEAR} for 8-bit images, written out here the way
 * OpenCV's scalar code computes it (per axis: source index {@code floor((d + 0.5) * scale - 0.5)},
 * clamped at the edges, weights rounded to 1/2048; horizontal blend, then vertical, rounded once):
 * every value of the model input must be the same float, and the padding must be the model's.
 */
class ImageResizerTest {

  @ParameterizedTest(name = "{0} {1}x{2} -> {3}x{4}")
  @CsvSource({
      "YOLOX, 768, 432, 416, 416", // the real clip into yolox_nano: downscale, top-left letterbox
      "YOLOV8, 768, 432, 640, 640", // mild downscale, centred letterbox, RGB / 255
      "YOLOV8, 192, 128, 640, 640", // upscale
      "SSD, 300, 500, 300, 300", // stretch: width kept, height shrunk, (x - 127) / 128
      "YOLOX, 37, 23, 64, 48", // odd sizes, upscale both ways
      "YOLOV5, 1, 1, 32, 32", // a single pixel
      "YOLOV8, 833, 17, 64, 64", // extreme aspect ratio: image 64 wide, 1 or 2 rows high
  })
  void matchesOpenCvScalarInterLinear(ModelFormat format, int srcW, int srcH, int dstW, int dstH) {
    Preprocessing pre = Preprocessing.of(format);
    ImageResizer resizer = new ImageResizer(pre, dstW, dstH);
    SplittableRandom random = new SplittableRandom(srcW * 31L + srcH);
    int stride = 3 * srcW + 5; // a padded stride, as FFmpeg's frames have
    byte[] pixels = new byte[stride * srcH];
    random.nextBytes(pixels);
    VideoFrame frame = new VideoFrame(srcW, srcH, stride, ByteBuffer.wrap(pixels), 0);

    int plane = dstW * dstH;
    FloatBuffer input = ByteBuffer.allocateDirect(2 * 3 * plane * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    Preprocessing.Geometry g = resizer.apply(frame, input, 3 * plane, null); // the second slot of a batch of 2

    assertThat(g).isEqualTo(pre.geometry(srcW, srcH, dstW, dstH));
    float pad = pre.normalize(pre.pad());
    int[][] xs = axis(srcW, g.width());
    int[][] ys = axis(srcH, g.height());
    int mismatches = 0;
    String first = null;
    for (int c = 0; c < 3; c++) {
      int sourceChannel = pre.bgr() ? c : 2 - c;
      for (int y = 0; y < dstH; y++) {
        for (int x = 0; x < dstW; x++) {
          int iy = y - g.top();
          int ix = x - g.left();
          float expected;
          if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) {
            expected = pad;
          } else {
            int[] row0 = {ys[0][iy] * stride, ys[1][iy] * stride};
            int top = horizontal(pixels, row0[0], xs, ix, sourceChannel);
            int bottom = horizontal(pixels, row0[1], xs, ix, sourceChannel);
            int value = (top * ys[2][iy] + bottom * ys[3][iy] + (1 << 21)) >> 22;
            expected = pre.normalize(value);
          }
          float actual = input.get(3 * plane + c * plane + y * dstW + x);
          if (Float.floatToIntBits(actual) != Float.floatToIntBits(expected)) {
            if (first == null) {
              first = "channel " + c + " at (" + x + ", " + y + "): " + actual + " instead of " + expected;
            }
            mismatches++;
          }
        }
      }
    }
    assertThat(mismatches).as("values that differ from OpenCV's; first: %s", first).isZero();
    for (int i = 0; i < 3 * plane; i++) {
      assertThat(input.get(i)).as("the first slot is left alone").isZero();
    }
  }

  private static int horizontal(byte[] pixels, int rowStart, int[][] xs, int x, int channel) {
    int a = pixels[rowStart + 3 * xs[0][x] + channel] & 0xff;
    int b = pixels[rowStart + 3 * xs[1][x] + channel] & 0xff;
    return a * xs[2][x] + b * xs[3][x];
  }

  /** OpenCV's per-axis table: first index, second index, first weight, second weight (in 1/2048ths). */
  private static int[][] axis(int src, int dst) {
    double scale = (double) src / dst;
    int[][] t = new int[4][dst];
    for (int d = 0; d < dst; d++) {
      float f = (float) ((d + 0.5) * scale - 0.5);
      int s = (int) Math.floor(f);
      f -= s;
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s >= src - 1) {
        f = 0;
        s = src - 1;
      }
      t[0][d] = s;
      t[1][d] = Math.min(s + 1, src - 1);
      t[2][d] = (int) Math.rint((1f - f) * 2048); // cvRound: half to even
      t[3][d] = 2048 - t[2][d];
    }
    return t;
  }
}
