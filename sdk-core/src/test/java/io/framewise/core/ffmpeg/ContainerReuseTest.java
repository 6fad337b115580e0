package io.framewise.core.ffmpeg;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoFrame;
import io.framewise.spi.VideoIndex;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment decoders take a container kept open by an earlier segment (or by the index) of the same
 * input and index, instead of opening the input again, and decode exactly the frames a freshly
 * opened container gives; a container is never shared across indexes (a replaced file gets a new
 * index) and the pool stays bounded.
 */
class ContainerReuseTest {

  @TempDir Path dir;

  private static PipelineOptions chunks(Duration d) {
    return new PipelineOptions(0, d, null, 0, 0, 1, false, null);
  }

  @Test
  void segmentsReuseTheContainer_andDecodeTheSameFramesAsFreshOpens() throws IOException {
    SyntheticVideo v = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(120).frameRate(25).gopSize(10).bFrames(2).build();
    for (String name : new String[] {"b.mp4", "b.mkv"}) {
      Path file = v.write(dir.resolve(name));
      VideoIndex index = FfmpegIndexer.index(FfmpegInput.local(file), chunks(Duration.ofMillis(400)));
      assertThat(index.segments()).as(name).hasSizeGreaterThan(5);
      long before = ContainerPool.SHARED.reusedCount();
      List<String> kept = new ArrayList<>();
      // out of order too: a kept container is sought back as well as forward
      List<VideoIndex.Segment> order = new ArrayList<>(index.segments());
      java.util.Collections.reverse(order.subList(2, order.size()));
      for (VideoIndex.Segment s : order) {
        kept.add(digest(FfmpegVideoDecoder.openSegment(FfmpegInput.local(file), index, s, false), s));
      }
      long reused = ContainerPool.SHARED.reusedCount() - before;
      // every segment found a kept container, but segment 0 of Matroska: it reads from the start, which only a
      // shared container (MP4) is sought to; a container lent whole is opened anew for it
      assertThat(reused).as(name + " reused").isEqualTo(index.segments().size() - (name.endsWith(".mkv") ? 1 : 0));
      List<String> fresh = new ArrayList<>();
      for (VideoIndex.Segment s : order) {
        // an equal copy of the index finds no container kept for it: every segment opens the file
        VideoIndex copy = new VideoIndex(index.info(), index.totalFrames(), index.basePts(), index.segments(), index.damaged());
        fresh.add(digest(FfmpegVideoDecoder.openSegment(FfmpegInput.local(file), copy, s, false), s));
      }
      assertThat(kept).as(name).isEqualTo(fresh);
      assertThat(ContainerPool.SHARED.idleCount()).isLessThanOrEqualTo(4);
    }
  }

  @Test
  void aReplacedFile_getsANewIndex_andNoOldContainer() throws IOException {
    SyntheticVideo a = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(60).frameRate(25).gopSize(10).build();
    SyntheticVideo b = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(90).frameRate(25).gopSize(10).build();
    Path file = a.write(dir.resolve("x.mp4"));
    VideoIndex first = FfmpegIndexer.index(FfmpegInput.local(file), chunks(Duration.ofMillis(400)));
    Path other = b.write(dir.resolve("y.mp4"));
    Files.move(other, file, StandardCopyOption.REPLACE_EXISTING);
    VideoIndex second = FfmpegIndexer.index(FfmpegInput.local(file), chunks(Duration.ofMillis(400)));
    assertThat(second.totalFrames()).isEqualTo(90);
    long before = ContainerPool.SHARED.reusedCount();
    VideoIndex.Segment last = second.segments().get(second.segments().size() - 1);
    try (FfmpegVideoDecoder d = FfmpegVideoDecoder.openSegment(FfmpegInput.local(file), second, last, false)) {
      long n = 0;
      while (d.next() != null) {
        n++;
      }
      assertThat(n).isEqualTo(last.frameCount());
    }
    // the container kept for the new index was reused; the one kept for the old index (the old file) was not
    assertThat(ContainerPool.SHARED.reusedCount() - before).isEqualTo(1);
    assertThat(first.totalFrames()).isEqualTo(60);
  }

  @Test
  void idleContainersCloseOnTheTimerOfTheGivenThreadFactory_andThePoolStartsNoThread() throws Exception {
    ContainerPool pool = new ContainerPool(4, 200); // idle limit 200 ms
    SyntheticVideo v = SyntheticVideo.builder().size(96, 64).objectSize(16).frames(40).frameRate(25).gopSize(10).build();
    Path file = v.write(dir.resolve("idle.mp4"));
    VideoIndex index = FfmpegIndexer.index(FfmpegInput.local(file), chunks(Duration.ofMillis(400)));
    java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ThreadFactory factory = r -> {
      made.incrementAndGet();
      Thread t = new Thread(r, "app-managed-" + made.get());
      t.setDaemon(true);
      return t;
    };
    io.framewise.spi.DetectorContext context = io.framewise.spi.DetectorContext.create(io.framewise.spi.DetectorSettings.fromSystem(),
        null, factory);
    try {
      java.util.Set<String> before = threadNames();
      pool.give(FfmpegVideoDecoder.Container.open(FfmpegInput.local(file)), index);
      assertThat(pool.idleCount()).isEqualTo(1);
      assertThat(threadNames()).as("giving a container back starts no thread").isEqualTo(before);
      pool.scheduleSweep(context);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (pool.idleCount() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(pool.idleCount()).as("closed by the sweep on the context's timer").isZero();
      assertThat(made.get()).as("the timer's thread came from the application's factory").isPositive();
      java.util.Set<String> after = threadNames();
      after.removeAll(before);
      assertThat(after).noneMatch(n -> n.startsWith("framewise-")); // no thread of the SDK's own
    } finally {
      context.close();
      pool.closeAll();
    }
  }

  private static java.util.Set<String> threadNames() {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      names.add(t.getName());
    }
    return names;
  }

  private static String digest(FfmpegVideoDecoder d, VideoIndex.Segment s) throws IOException {
    try (d) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      VideoFrame f;
      long id = s.firstFrameId();
      while ((f = d.next()) != null) {
        assertThat(f.index()).isEqualTo(id++);
        md.update(Long.toString(f.index()).getBytes());
        md.update(Double.toString(f.ptsMs()).getBytes());
        ByteBuffer px = f.bgr().duplicate();
        byte[] row = new byte[px.remaining()];
        px.get(row);
        md.update(row);
      }
      assertThat(id - s.firstFrameId()).isEqualTo(s.frameCount());
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
