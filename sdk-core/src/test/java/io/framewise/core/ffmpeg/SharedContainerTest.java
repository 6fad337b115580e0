package io.framewise.core.ffmpeg;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoFrame;
import io.framewise.spi.VideoIndex;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoders of every segment of one MP4 at once (segment 0, read from the start, too) share one open container (one demuxer, one copy of
 * the sample table) and each gets exactly the frames it gets alone: every turn at the container seeks
 * back to where that decoder left off. Read-ahead is lowered to a few packets here so that the decoders
 * take turns hundreds of times, among audio packets too. Inputs that cannot be resumed exactly
 * (Matroska here) are still lent to one decoder at a time.
 */
class SharedContainerTest {

  @TempDir Path dir;

  @BeforeEach
  void manyTurns() {
    FfmpegVideoDecoder.aheadPackets = 3;
  }

  @AfterEach
  void restore() {
    FfmpegVideoDecoder.aheadPackets = FfmpegVideoDecoder.AHEAD_PACKETS;
  }

  private static PipelineOptions chunks(Duration d) {
    return new PipelineOptions(0, d, null, 0, 0, 1, false, null);
  }

  private static final SyntheticVideo VIDEO =
      SyntheticVideo.builder().size(160, 96).objectSize(32).frames(300).frameRate(25).gopSize(25).bFrames(2).build();

  private static final SyntheticVideo H264 =
      SyntheticVideo.builder().size(160, 96).objectSize(32).frames(300).frameRate(25).gopSize(25).codec("libopenh264").build();

  @Test
  void interleavedDecoders_shareOneContainer_andGetTheFramesTheyGetAlone() throws IOException {
    for (Path file : List.of(VIDEO.write(dir.resolve("v.mp4")), VIDEO.writeWithAudio(dir.resolve("va.mp4")),
        H264.writeWithAudio(dir.resolve("h264.mp4")))) {
      FfmpegInput input = FfmpegInput.local(file);
      VideoIndex index = FfmpegIndexer.index(input, chunks(Duration.ofSeconds(1)));
      assertThat(ContainerPool.sharesContainers(index)).as("the budget counts one sample table").isTrue();
      List<VideoIndex.Segment> segs = index.segments(); // segment 0 too: it takes the first turn of the index's container
      assertThat(segs).as(file.toString()).hasSizeGreaterThanOrEqualTo(5);
      long sharedBefore = ContainerPool.SHARED.sharedCount();

      // all decoders open at once, one frame each in turn (backwards, so turns also seek back past each other)
      List<FfmpegVideoDecoder> open = new ArrayList<>();
      List<List<String>> together = new ArrayList<>();
      for (VideoIndex.Segment s : segs) {
        open.add(FfmpegVideoDecoder.openSegment(input, index, s, false));
        together.add(new ArrayList<>());
      }
      assertThat(ContainerPool.SHARED.sharedInUse()).as("one container for all of them").isEqualTo(1);
      assertThat(ContainerPool.SHARED.sharedCount() - sharedBefore).isEqualTo(segs.size() - 1);
      boolean any = true;
      boolean[] done = new boolean[segs.size()];
      while (any) {
        any = false;
        for (int i = segs.size() - 1; i >= 0; i--) {
          if (!done[i]) {
            VideoFrame f = open.get(i).next();
            if (f == null || f.index() > segs.get(i).lastFrameId()) {
              done[i] = true;
            } else {
              together.get(i).add(digest(f));
              any = true;
            }
          }
        }
      }
      open.forEach(FfmpegVideoDecoder::close);
      assertThat(ContainerPool.SHARED.sharedInUse()).isZero();

      // alone: each segment from a container of its own (an equal copy of the index shares nothing with the one above)
      VideoIndex copy = new VideoIndex(index.info(), index.totalFrames(), index.basePts(), index.segments(), index.damaged());
      for (int i = 0; i < segs.size(); i++) {
        assertThat(together.get(i)).as(file.getFileName() + " segment " + segs.get(i).index())
            .hasSize((int) segs.get(i).frameCount())
            .isEqualTo(alone(input, copy, segs.get(i)));
      }
    }
  }

  @Test
  void decodersOnTwoThreads_shareOneContainer_andGetTheFramesTheyGetAlone() throws Exception {
    Path file = VIDEO.writeWithAudio(dir.resolve("threads.mp4"));
    FfmpegInput input = FfmpegInput.local(file);
    VideoIndex index = FfmpegIndexer.index(input, chunks(Duration.ofSeconds(1)));
    List<VideoIndex.Segment> segs = index.segments();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (VideoIndex.Segment s : segs) {
        results.add(pool.submit(() -> alone(input, index, s)));
      }
      VideoIndex copy = new VideoIndex(index.info(), index.totalFrames(), index.basePts(), index.segments(), index.damaged());
      for (int i = 0; i < segs.size(); i++) {
        FfmpegVideoDecoder.aheadPackets = FfmpegVideoDecoder.AHEAD_PACKETS;
        List<String> expected = alone(input, copy, segs.get(i));
        FfmpegVideoDecoder.aheadPackets = 3;
        assertThat(results.get(i).get()).as("segment " + i).hasSize((int) segs.get(i).frameCount()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void segmentZero_afterAnotherDecoderRead_readsAContainerOfItsOwn() throws IOException {
    Path file = VIDEO.writeWithAudio(dir.resolve("late.mp4"));
    FfmpegInput input = FfmpegInput.local(file);
    VideoIndex index = FfmpegIndexer.index(input, chunks(Duration.ofSeconds(1)));
    VideoIndex.Segment zero = index.segments().get(0);
    VideoIndex.Segment three = index.segments().get(3);
    List<String> zeroShared = new ArrayList<>();
    try (FfmpegVideoDecoder d3 = FfmpegVideoDecoder.openSegment(input, index, three, false)) {
      assertThat(d3.next().index()).isEqualTo(three.firstFrameId()); // the container is read: no longer as opened
      try (FfmpegVideoDecoder d0 = FfmpegVideoDecoder.openSegment(input, index, zero, false)) {
        VideoFrame f;
        while ((f = d0.next()) != null) {
          zeroShared.add(digest(f));
          d3.next();
        }
      }
    }
    VideoIndex copy = new VideoIndex(index.info(), index.totalFrames(), index.basePts(), index.segments(), index.damaged());
    assertThat(zeroShared).hasSize((int) zero.frameCount()).isEqualTo(alone(input, copy, zero));
  }

  @Test
  void aRemoteMp4_isLentToOneDecoderAtATime_soNoTurnCostsARangeRequest() throws IOException {
    Path file = VIDEO.write(dir.resolve("remote.mp4"));
    try (io.framewise.testkit.RangeServer server = new io.framewise.testkit.RangeServer(file, "/remote.mp4")) {
      FfmpegInput input = FfmpegInput.remote(new io.framewise.spi.RemoteVideo(server.uri(null), java.util.Set.of("http")));
      VideoIndex index = FfmpegIndexer.index(input, chunks(Duration.ofSeconds(1)));
      assertThat(ContainerPool.sharesContainers(index)).isFalse();
      long sharedBefore = ContainerPool.SHARED.sharedCount();
      try (FfmpegVideoDecoder a = FfmpegVideoDecoder.openSegment(input, index, index.segments().get(2), false);
          FfmpegVideoDecoder b = FfmpegVideoDecoder.openSegment(input, index, index.segments().get(3), false)) {
        assertThat(a.next().index()).isEqualTo(index.segments().get(2).firstFrameId());
        assertThat(b.next().index()).isEqualTo(index.segments().get(3).firstFrameId());
      }
      assertThat(ContainerPool.SHARED.sharedCount()).isEqualTo(sharedBefore);
    }
  }

  @Test
  void matroska_isLentToOneDecoderAtATime() throws IOException {
    Path file = VIDEO.write(dir.resolve("v.mkv"));
    FfmpegInput input = FfmpegInput.local(file);
    VideoIndex index = FfmpegIndexer.index(input, chunks(Duration.ofSeconds(1)));
    assertThat(ContainerPool.sharesContainers(index)).isFalse();
    long sharedBefore = ContainerPool.SHARED.sharedCount();
    VideoIndex.Segment a = index.segments().get(2);
    VideoIndex.Segment b = index.segments().get(3);
    try (FfmpegVideoDecoder da = FfmpegVideoDecoder.openSegment(input, index, a, false);
        FfmpegVideoDecoder db = FfmpegVideoDecoder.openSegment(input, index, b, false)) {
      assertThat(da.next().index()).isEqualTo(a.firstFrameId());
      assertThat(db.next().index()).isEqualTo(b.firstFrameId());
    }
    assertThat(ContainerPool.SHARED.sharedCount()).isEqualTo(sharedBefore);
    assertThat(ContainerPool.SHARED.sharedInUse()).isZero();
  }

  private static List<String> alone(FfmpegInput input, VideoIndex index, VideoIndex.Segment s) throws IOException {
    List<String> out = new ArrayList<>();
    try (FfmpegVideoDecoder d = FfmpegVideoDecoder.openSegment(input, index, s, false)) {
      VideoFrame f;
      while ((f = d.next()) != null && f.index() <= s.lastFrameId()) {
        out.add(digest(f));
      }
    }
    return out;
  }

  private static String digest(VideoFrame f) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      ByteBuffer b = f.bgr().duplicate();
      md.update(b);
      return f.index() + ":" + f.ptsMicros() + ":" + HexFormat.of().formatHex(md.digest(), 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
