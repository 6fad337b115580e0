package io.framewise.core.ffmpeg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoIndex;
import io.framewise.testkit.HostileMedia;
import io.framewise.testkit.SyntheticVideo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MP4/MOV index read from the sample table (no media data) plans exactly what the demux pass
 * plans: the same segments, first frame ids, frame counts, seek points and groups, on files with
 * B-frames (composition offsets and an edit list), with the moov box first or last, and on the real
 * clip; and files whose sample table is not usable go to the demux pass.
 */
class SampleTableIndexTest {

  @TempDir Path dir;

  private static PipelineOptions chunks(Duration d) {
    return new PipelineOptions(0, d, null, 0, 0, 1, false, null);
  }

  @Test
  void bFrames_mp4_moovLast_and_moovFirst_and_mov_planLikeTheDemuxPass() {
    SyntheticVideo v = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(150).frameRate(25).gopSize(10).bFrames(2).build();
    Path last = v.write(dir.resolve("b.mp4"));
    Path first = HostileMedia.write(v, dir.resolve("b-faststart.mp4"), "mpeg4", AV_PIX_FMT_YUV420P, "faststart");
    Path mov = v.write(dir.resolve("b.mov"));
    for (Path p : new Path[] {last, first, mov}) {
      for (Duration d : new Duration[] {Duration.ofMillis(400), Duration.ofSeconds(1), Duration.ofSeconds(60)}) {
        VideoIndex table = FfmpegIndexer.index(FfmpegInput.local(p), chunks(d), FfmpegIndexer.Source.SAMPLE_TABLE);
        VideoIndex demux = FfmpegIndexer.index(FfmpegInput.local(p), chunks(d), FfmpegIndexer.Source.DEMUX_PASS);
        assertSamePlan(p + " " + d, table, demux);
        assertThat(table.totalFrames()).isEqualTo(150);
        assertThat(table.damaged()).isFalse();
      }
    }
    // presentation order differs from decode order in these files: the composition offsets were used
    VideoIndex i = FfmpegIndexer.index(FfmpegInput.local(last), chunks(Duration.ofMillis(400)), FfmpegIndexer.Source.SAMPLE_TABLE);
    assertThat(i.segments()).hasSizeGreaterThan(5);
  }

  @Test
  void realClip_planLikeTheDemuxPass() {
    String data = System.getenv("FRAMEWISE_TESTDATA");
    Assumptions.assumeTrue(data != null, "FRAMEWISE_TESTDATA not set: real clip skipped");
    Path clip = Path.of(data, "videos", "one-by-one-person-detection.mp4");
    assertThat(clip).exists();
    for (Duration d : new Duration[] {Duration.ofSeconds(2), Duration.ofSeconds(10)}) {
      VideoIndex table = FfmpegIndexer.index(FfmpegInput.local(clip), chunks(d), FfmpegIndexer.Source.SAMPLE_TABLE);
      VideoIndex demux = FfmpegIndexer.index(FfmpegInput.local(clip), chunks(d), FfmpegIndexer.Source.DEMUX_PASS);
      assertSamePlan("real clip " + d, table, demux);
      assertThat(table.totalFrames()).isEqualTo(1394);
    }
  }

  @Test
  void unusableSampleTables_goToTheDemuxPass() throws Exception {
    SyntheticVideo v = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(60).frameRate(25).gopSize(10).bFrames(2).build();
    // fragmented MP4: no sample table to speak of
    Path frag = HostileMedia.write(v, dir.resolve("frag.mp4"), "mpeg4", AV_PIX_FMT_YUV420P, "frag_keyframe+empty_moov");
    // Matroska: no sample table at all
    Path mkv = v.write(dir.resolve("b.mkv"));
    // an MP4 cut short: samples lie beyond the end of the file
    Path whole = HostileMedia.write(v, dir.resolve("whole.mp4"), "mpeg4", AV_PIX_FMT_YUV420P, "faststart");
    Path cut = HostileMedia.cut(whole, dir.resolve("cut.mp4"), 70);
    for (Path p : new Path[] {frag, mkv, cut}) {
      assertThatThrownBy(() -> FfmpegIndexer.index(FfmpegInput.local(p), chunks(Duration.ofMillis(400)), FfmpegIndexer.Source.SAMPLE_TABLE))
          .as(p.toString()).isInstanceOf(IllegalStateException.class).hasMessageContaining("sample table not usable");
      VideoIndex any = FfmpegIndexer.index(FfmpegInput.local(p), chunks(Duration.ofMillis(400)));
      VideoIndex demux = FfmpegIndexer.index(FfmpegInput.local(p), chunks(Duration.ofMillis(400)), FfmpegIndexer.Source.DEMUX_PASS);
      assertSamePlan(p.toString(), any, demux);
    }
    assertThat(Files.size(cut)).isLessThan(Files.size(whole));
  }

  static void assertSamePlan(String what, VideoIndex a, VideoIndex b) {
    assertThat(a.totalFrames()).as(what + " frames").isEqualTo(b.totalFrames());
    assertThat(a.basePts()).as(what + " basePts").isEqualTo(b.basePts());
    assertThat(a.damaged()).as(what + " damaged").isEqualTo(b.damaged());
    assertThat(a.info()).as(what + " info").isEqualTo(b.info());
    assertThat(a.segments()).as(what + " segments").hasSameSizeAs(b.segments());
    for (int i = 0; i < a.segments().size(); i++) {
      VideoIndex.Segment x = a.segments().get(i);
      VideoIndex.Segment y = b.segments().get(i);
      String s = what + " segment " + i;
      assertThat(x.index()).as(s).isEqualTo(y.index());
      assertThat(x.firstFrameId()).as(s + " first id").isEqualTo(y.firstFrameId());
      assertThat(x.frameCount()).as(s + " count").isEqualTo(y.frameCount());
      assertThat(x.startPts()).as(s + " startPts").isEqualTo(y.startPts());
      assertThat(x.endPts()).as(s + " endPts").isEqualTo(y.endPts());
      assertThat(x.startDts()).as(s + " startDts").isEqualTo(y.startDts());
      assertThat(x.bytes()).as(s + " bytes").isEqualTo(y.bytes());
      assertThat(x.gopFrames()).as(s + " groups").containsExactly(y.gopFrames());
    }
  }
}
