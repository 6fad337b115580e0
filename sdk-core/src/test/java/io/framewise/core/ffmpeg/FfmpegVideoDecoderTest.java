package io.framewise.core.ffmpeg;

import io.framewise.VideoInfo;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoFrame;
import io.framewise.testkit.SyntheticVideo;
import io.framewise.testkit.TruthBox;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FfmpegVideoDecoderTest {

  @TempDir Path dir;

  @Test
  void open_reportsStreamFacts() {
    SyntheticVideo v = SyntheticVideo.builder().size(320, 192).frames(25).frameRate(25).build();
    try (VideoDecoder d = new FfmpegDecoderProvider().open(v.write(dir.resolve("facts.mp4")))) {
      VideoInfo info = d.info();
      assertThat(info.source()).isEqualTo("facts.mp4");
      assertThat(info.width()).isEqualTo(320);
      assertThat(info.height()).isEqualTo(192);
      assertThat(info.codec()).isEqualTo("mpeg4");
      assertThat(info.frameRate()).isCloseTo(25, within(0.01));
      assertThat(info.durationMs()).isCloseTo(1000, within(50.0));
      assertThat(info.declaredFrames()).isEqualTo(25);
    }
  }

  @Test
  void next_decodesEveryFrameInOrder_withStreamTimestampsAndPixels() throws IOException {
    SyntheticVideo v = SyntheticVideo.builder().frames(30).bFrames(2).gopSize(8).build();
    Path file = v.write(dir.resolve("bframes.avi"));
    int n = 0;
    try (VideoDecoder d = new FfmpegDecoderProvider().open(file)) {
      VideoFrame f;
      while ((f = d.next()) != null) {
        assertThat(f.ptsMs()).as("pts of frame %d", n).isCloseTo(v.ptsMs(n), within(0.5));
        assertThat(f.stride()).isEqualTo(3 * f.width());
        for (TruthBox t : v.truth(n)) {
          int o = (int) t.centerY() * f.stride() + 3 * (int) t.centerX();
          int[] bgr = {f.bgr().get(o) & 0xff, f.bgr().get(o + 1) & 0xff, f.bgr().get(o + 2) & 0xff};
          int want = 2 - t.classId(); // class 0 red is BGR index 2
          assertThat(bgr[want]).as("frame %d class %d", n, t.classId()).isGreaterThan(200);
        }
        n++;
      }
      assertThat(d.next()).isNull();
    }
    assertThat(n).isEqualTo(30);
  }

  @Test
  void copy_ownsItsPixels() throws IOException {
    SyntheticVideo v = SyntheticVideo.builder().frames(8).build();
    try (VideoDecoder d = new FfmpegDecoderProvider().open(v.write(dir.resolve("copy.mp4")))) {
      VideoFrame first = d.next().copy();
      byte[] before = new byte[first.bgr().capacity()];
      first.bgr().get(0, before);
      d.next();
      d.next();
      byte[] after = new byte[first.bgr().capacity()];
      first.bgr().get(0, after);
      assertThat(after).isEqualTo(before);
    }
  }

  @Test
  void close_isIdempotent() {
    SyntheticVideo v = SyntheticVideo.builder().frames(4).build();
    VideoDecoder d = new FfmpegDecoderProvider().open(v.write(dir.resolve("close.mp4")));
    d.close();
    d.close();
  }

  @Test
  void decodingThreads_beforeTheFirstFrame_givesTheSamePixels_afterwardsIsRefused() throws IOException {
    SyntheticVideo v = SyntheticVideo.builder().frames(40).bFrames(2).gopSize(8).build();
    Path file = v.write(dir.resolve("threads.mp4"));
    java.util.List<byte[]> auto = new java.util.ArrayList<>();
    java.util.List<Long> autoPts = new java.util.ArrayList<>();
    try (VideoDecoder d = new FfmpegDecoderProvider().open(file)) {
      VideoFrame f;
      while ((f = d.next()) != null) {
        byte[] px = new byte[f.bgr().capacity()];
        f.bgr().get(0, px);
        auto.add(px);
        autoPts.add(f.ptsMicros());
      }
    }
    try (VideoDecoder d = new FfmpegDecoderProvider().open(file)) {
      assertThat(d.decodingThreads(1)).isTrue();
      int n = 0;
      VideoFrame f;
      while ((f = d.next()) != null) {
        byte[] px = new byte[f.bgr().capacity()];
        f.bgr().get(0, px);
        assertThat(px).as("pixels of frame %d", n).isEqualTo(auto.get(n));
        assertThat(f.ptsMicros()).isEqualTo(autoPts.get(n));
        n++;
        assertThat(d.decodingThreads(2)).as("after the first frame").isFalse();
      }
      assertThat(n).isEqualTo(40);
    }
  }
}
