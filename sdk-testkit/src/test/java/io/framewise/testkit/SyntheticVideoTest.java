package io.framewise.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;

import io.framewise.spi.VideoFrame;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticVideoTest {

  @TempDir Path dir;

  // ---------------------------------------------------------------------------------------------
  // Ground truth

  @Test
  void truth_defaults_threeSquaresInRowsZeroTwoFour() {
    SyntheticVideo v = SyntheticVideo.builder().build();

    assertThat(v.columns()).isEqualTo(10);
    assertThat(v.rows()).isEqualTo(6);
    assertThat(v.truth(0)).containsExactly(
        new TruthBox(0, 0, 0, 64, 64),
        new TruthBox(1, 192, 128, 256, 192),
        new TruthBox(2, 384, 256, 448, 320));
    assertThat(v.truth(8)).containsExactly(
        new TruthBox(0, 512, 0, 576, 64),
        new TruthBox(1, 64, 128, 128, 192),
        new TruthBox(2, 256, 256, 320, 320));
  }

  @Test
  void truth_everySeventhFrameIsEmpty() {
    SyntheticVideo v = SyntheticVideo.builder().build();

    for (long f = 0; f < 70; f++) {
      assertThat(v.truth(f)).as("frame %d", f).hasSize(f % 7 == 6 ? 0 : 3);
      assertThat(SyntheticVideo.isEmptyFrame(f)).isEqualTo(f % 7 == 6);
    }
  }

  @Test
  void truth_fewRows_onlyClassesThatFit() {
    SyntheticVideo twoRows = SyntheticVideo.builder().size(256, 128).build();
    SyntheticVideo fourRows = SyntheticVideo.builder().size(256, 256).build();

    assertThat(twoRows.truth(0)).extracting(TruthBox::classId).containsExactly(0);
    assertThat(fourRows.truth(0)).extracting(TruthBox::classId).containsExactly(0, 1);
  }

  @Test
  void truth_hugeFrameId_computedNotStored() {
    SyntheticVideo v = SyntheticVideo.builder().build();
    long f = 5_000_000_001L; // f % 7 == 3, f % 10 == 1

    assertThat(v.truth(f)).containsExactly(
        new TruthBox(0, 64, 0, 128, 64),
        new TruthBox(1, 256, 128, 320, 192),
        new TruthBox(2, 448, 256, 512, 320));
    assertThat(v.truth(f)).isEqualTo(v.truth(f));
    assertThat(v.ptsMs(f)).isEqualTo(f * 100.0);
  }

  @Test
  void truth_negativeFrame_rejected() {
    SyntheticVideo v = SyntheticVideo.builder().build();

    assertThatThrownBy(() -> v.truth(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void truthBox_helpers() {
    TruthBox t = new TruthBox(2, 64, 128, 128, 192);

    assertThat(t.label()).isEqualTo("blue");
    assertThat(t.centerX()).isEqualTo(96);
    assertThat(t.centerY()).isEqualTo(160);
    assertThat(t.box().area()).isEqualTo(64 * 64);
  }

  @Test
  void build_invalidSettings_rejected() {
    assertThatThrownBy(() -> SyntheticVideo.builder().size(650, 384).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyntheticVideo.builder().size(63, 63).objectSize(21).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyntheticVideo.builder().frames(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyntheticVideo.builder().frameRate(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyntheticVideo.builder().codec("libopenh264").bFrames(2).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void frame_rendersExactPixels() {
    SyntheticVideo v = SyntheticVideo.builder().build();

    VideoFrame fr = v.frame(8);

    assertThat(fr.width()).isEqualTo(640);
    assertThat(fr.height()).isEqualTo(384);
    assertThat(fr.ptsMicros()).isEqualTo(800_000);
    int[] red = pixel(fr.bgr(), fr.stride(), 512, 0);
    int[] redInside = pixel(fr.bgr(), fr.stride(), 575, 63);
    int[] outside = pixel(fr.bgr(), fr.stride(), 576, 0);
    int[] green = pixel(fr.bgr(), fr.stride(), 100, 150);
    int[] blue = pixel(fr.bgr(), fr.stride(), 300, 300);
    assertThat(red).containsExactly(0, 0, 255);
    assertThat(redInside).containsExactly(0, 0, 255);
    assertThat(outside).containsExactly(0, 0, 0);
    assertThat(green).containsExactly(0, 255, 0);
    assertThat(blue).containsExactly(255, 0, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Encoding round trips

  @Test
  void write_mpeg4_decodesExactFrameCount() {
    SyntheticVideo v = SyntheticVideo.builder().build();

    Path p = v.write(dir.resolve("x.mp4"));

    assertThat(p).isEqualTo(dir.resolve("x.mp4"));
    assertThat(decodeAndCheck(v, p)).hasSize(30);
    assertThat(codecName(p)).isEqualTo("mpeg4");
  }

  @Test
  void write_avi_decodesExactFrameCount() {
    SyntheticVideo v = SyntheticVideo.builder().frames(20).build();

    Path p = v.write(dir.resolve("x.avi"));

    assertThat(decodeAndCheck(v, p)).hasSize(20);
  }

  @Test
  void write_mkv_decodesExactFrameCount() {
    SyntheticVideo v = SyntheticVideo.builder().size(320, 192).objectSize(32).frames(15).build();

    Path p = v.write(dir.resolve("x.mkv"));

    assertThat(decodeAndCheck(v, p)).hasSize(15);
  }

  @Test
  void write_openh264_decodesExactFrameCount() {
    SyntheticVideo v = SyntheticVideo.builder().codec("libopenh264").frames(24).build();

    Path p = v.write(dir.resolve("h264.mp4"));

    assertThat(decodeAndCheck(v, p)).hasSize(24);
    assertThat(codecName(p)).isEqualTo("h264");
  }

  @Test
  void write_mpeg4WithBFrames_decodesExactCountInOrder() {
    SyntheticVideo v = SyntheticVideo.builder().bFrames(2).gopSize(10).frames(31).build();

    Path p = v.write(dir.resolve("b.mp4"));

    List<Long> pts = decodeAndCheck(v, p);
    assertThat(pts).hasSize(31).isSorted().doesNotHaveDuplicates();
    assertThat(reorderedPackets(p)).as("packets stored out of presentation order").isPositive();
  }

  @Test
  void write_mpeg4WithoutBFrames_packetsInPresentationOrder() {
    SyntheticVideo v = SyntheticVideo.builder().frames(12).build();

    assertThat(reorderedPackets(v.write(dir.resolve("nob.mp4")))).isZero();
  }

  @Test
  void write_25fps_timestampsAreExact() {
    SyntheticVideo v = SyntheticVideo.builder().frameRate(25).frames(10).build();

    List<Long> pts = decodeAndCheck(v, v.write(dir.resolve("25.mp4")));

    assertThat(pts).containsExactly(0L, 40_000L, 80_000L, 120_000L, 160_000L, 200_000L, 240_000L,
        280_000L, 320_000L, 360_000L);
  }

  @Test
  void write_ntscFrameRate_timestampsFollowRate() {
    SyntheticVideo v = SyntheticVideo.builder().frameRate(30000.0 / 1001).frames(10).build();

    List<Long> pts = decodeAndCheck(v, v.write(dir.resolve("ntsc.mp4")));

    assertThat(pts).hasSize(10);
    assertThat(pts.get(9)).isBetween(300_299L, 300_301L);
  }

  @Test
  void write_unknownEncoder_throwsUnchecked() {
    SyntheticVideo v = SyntheticVideo.builder().codec("no-such-encoder").build();

    assertThatThrownBy(() -> v.write(dir.resolve("x.mp4"))).isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void writeNoVideo_wav_opensWithoutVideoStream() throws Exception {
    Path p = SyntheticVideo.writeNoVideo(dir.resolve("silence.wav"));

    assertThat(Files.size(p)).isGreaterThan(8000);
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.toFile())) {
      g.start();
      assertThat(g.hasVideo()).isFalse();
      assertThat(g.hasAudio()).isTrue();
      assertThat(g.getImageWidth()).isZero();
      assertThat(g.getVideoCodec()).isZero();
      assertThat(g.grabImage()).isNull();
    }
  }

  @Test
  void writeNoVideo_m4a_opensWithoutVideoStream() throws Exception {
    Path p = SyntheticVideo.writeNoVideo(dir.resolve("tone.m4a"));

    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.toFile())) {
      g.start();
      assertThat(g.hasVideo()).isFalse();
      assertThat(g.hasAudio()).isTrue();
      assertThat(g.getImageWidth()).isZero();
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Decodes every frame, checks each against the truth of its index (squares where expected and
   * black everywhere else on the object rows, plus an always-empty row), returns the timestamps.
   */
  private static List<Long> decodeAndCheck(SyntheticVideo v, Path p) {
    List<Long> pts = new ArrayList<>();
    int s = v.objectSize();
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.toFile())) {
      g.setPixelFormat(AV_PIX_FMT_BGR24);
      g.start();
      assertThat(g.getImageWidth()).isEqualTo(v.width());
      assertThat(g.getImageHeight()).isEqualTo(v.height());
      Frame f;
      int n = 0;
      while ((f = g.grabImage()) != null) {
        ByteBuffer buf = (ByteBuffer) f.image[0];
        List<TruthBox> truth = v.truth(n);
        for (int c = 0; c < SyntheticVideo.CLASSES && v.rows() > 2 * c; c++) {
          for (int col = 0; col < v.columns(); col++) {
            int x = col * s + s / 2;
            int y = 2 * c * s + s / 2;
            int[] px = pixel(buf, f.imageStride, x, y);
            int cls = c;
            boolean present = truth.stream()
                .anyMatch(t -> t.classId() == cls && t.centerX() == x && t.centerY() == y);
            if (present) {
              int dominant = 2 - c;
              for (int ch = 0; ch < 3; ch++) {
                if (ch == dominant) {
                  assertThat(px[ch]).as("frame %d class %d channel %d", n, c, ch).isGreaterThan(200);
                } else {
                  assertThat(px[ch]).as("frame %d class %d channel %d", n, c, ch).isLessThan(60);
                }
              }
            } else {
              assertThat(max(px)).as("frame %d background at (%d, %d)", n, x, y).isLessThan(30);
            }
          }
        }
        assertThat(max(pixel(buf, f.imageStride, s / 2, s + s / 2))).as("frame %d row 1", n)
            .isLessThan(30);
        long expectedPts = Math.round(n * 1_000_000.0 / v.frameRate());
        assertThat(f.timestamp).as("frame %d pts", n).isBetween(expectedPts - 1000, expectedPts + 1000);
        pts.add(f.timestamp);
        n++;
      }
      g.stop();
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
    return pts;
  }

  private static String codecName(Path p) {
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.toFile())) {
      g.start();
      return g.getVideoCodecName();
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Counts video packets whose pts is below the largest pts seen before them (B-frames). */
  private static int reorderedPackets(Path p) {
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(p.toFile())) {
      g.start();
      int reordered = 0;
      long maxPts = Long.MIN_VALUE;
      AVPacket pkt;
      while ((pkt = g.grabPacket()) != null) {
        // Video-only file: every packet is video.
        if (pkt.pts() < maxPts) {
          reordered++;
        }
        maxPts = Math.max(maxPts, pkt.pts());
        av_packet_unref(pkt);
      }
      return reordered;
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int max(int[] px) {
    return Math.max(px[0], Math.max(px[1], px[2]));
  }

  private static int[] pixel(ByteBuffer buf, int stride, int x, int y) {
    int o = y * stride + 3 * x;
    return new int[] {buf.get(o) & 0xff, buf.get(o + 1) & 0xff, buf.get(o + 2) & 0xff};
  }
}
