package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.FrameListener;
import io.framewise.ModelInfo;
import io.framewise.Progress;
import io.framewise.VideoDetector;
import io.framewise.VideoInfo;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.core.JsonResultWriterProvider;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoDecoderProvider;
import io.framewise.spi.VideoIndex;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 §1: the listener learns the video and the model before the first frame, and one pass writes
 * the JSON and feeds the listener (one decoder opened, the same JSON bytes as without a listener, and the
 * listener's frames are exactly the document's: written again through the JSON writer they give the same
 * bytes). And the progress counters: with {@code frameStride(10)} on the real clip (1,394 frames) the last
 * report says 1,394 frames done (of 1,394) and 140 processed, the numbers of the summary and of the
 * listener, unchunked and chunked.
 */
class ListenerAndProgressTest {

  @TempDir Path tmp;

  /** FFmpeg's real decoder, counting how often a video is opened or indexed. */
  static final class CountingDecoder implements VideoDecoderProvider {
    final VideoDecoderProvider real = new FfmpegDecoderProvider();
    final AtomicInteger opens = new AtomicInteger();

    @Override
    public String name() {
      return real.name();
    }

    @Override
    public VideoDecoder open(Path video) throws IOException {
      opens.incrementAndGet();
      return real.open(video);
    }

    @Override
    public boolean supportsSegments() {
      return true;
    }

    @Override
    public VideoIndex index(Path video, PipelineOptions options) throws IOException {
      opens.incrementAndGet();
      return real.index(video, options);
    }

    @Override
    public VideoDecoder openSegment(Path video, VideoIndex index, VideoIndex.Segment segment, boolean keyframesOnly) throws IOException {
      return real.openSegment(video, index, segment, keyframesOnly);
    }
  }

  /** Writes what the listener gets through the real JSON writer, and remembers when it got what. */
  static final class Recorder implements FrameListener {
    final ByteArrayOutputStream json = new ByteArrayOutputStream();
    final ResultWriter writer;
    final List<String> calls = new ArrayList<>();
    VideoInfo video;
    ModelInfo model;
    long frames;

    Recorder() throws IOException {
      writer = new JsonResultWriterProvider().open(json);
    }

    @Override
    public void onStart(VideoInfo video, ModelInfo model) {
      calls.add("start");
      this.video = video;
      this.model = model;
      try {
        writer.begin(video, model);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void onFrame(FrameDetections frame) {
      if (frames++ == 0) {
        calls.add("frame");
      }
      try {
        writer.frame(frame);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    byte[] finish(DetectionSummary summary) throws IOException {
      writer.end(summary);
      writer.close();
      return json.toByteArray();
    }
  }

  @Test
  void onePass_writesTheJsonAndFeedsTheListener_withOneDecode() throws Exception {
    Path video = SyntheticVideo.builder().size(320, 192).frames(30).gopSize(10).codec("mpeg4").build().write(tmp.resolve("clip.mp4"));
    Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(tmp.resolve("v8.onnx"));
    Path plain = tmp.resolve("plain.json");
    Path both = tmp.resolve("both.json");
    VideoDetector.open(video).model(model).writeJson(plain);
    CountingDecoder decoder = new CountingDecoder();
    Recorder listener = new Recorder();

    DetectionSummary summary = VideoDetector.open(video).model(model).decoder(decoder).listener(listener).writeJson(both);

    assertThat(decoder.opens.get()).as("one decode").isEqualTo(1);
    assertThat(Files.readAllBytes(both)).as("the same JSON as without a listener").isEqualTo(Files.readAllBytes(plain));
    assertThat(listener.calls).containsExactly("start", "frame");
    assertThat(listener.video.width()).isEqualTo(320);
    assertThat(listener.video.height()).isEqualTo(192);
    assertThat(listener.video.frameRate()).isGreaterThan(0);
    assertThat(listener.model.labels()).isEqualTo(SyntheticDetector.LABELS);
    assertThat(listener.frames).isEqualTo(30);
    assertThat(listener.finish(summary)).as("the listener's frames are the document's").isEqualTo(Files.readAllBytes(plain));
  }

  @Test
  void run_listenerLearnsVideoAndModelBeforeTheFirstFrame() throws Exception {
    Path video = SyntheticVideo.builder().size(320, 192).frames(12).build().write(tmp.resolve("short.mp4"));
    Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(tmp.resolve("v8.onnx"));
    Recorder listener = new Recorder();

    DetectionSummary s = VideoDetector.open(video).model(model).run(listener);

    assertThat(listener.calls).containsExactly("start", "frame");
    assertThat(listener.model.name()).isEqualTo("v8");
    assertThat(listener.frames).isEqualTo(s.framesProcessed()).isEqualTo(12);
  }

  @Test
  void stride10_realClip_countersSayCoveredAndProcessed_unchunkedAndChunked() throws Exception {
    Path video = TestData.file("videos/one-by-one-person-detection.mp4");
    Path model = TestData.file("models/yolox_nano.onnx");
    Path plain = tmp.resolve("plain.json");
    VideoDetector.open(video).model(model).frameStride(10).writeJson(plain);
    for (boolean chunked : new boolean[] {false, true}) {
      List<Progress> reports = new ArrayList<>();
      CountingDecoder decoder = new CountingDecoder();
      Recorder listener = new Recorder();
      Path out = tmp.resolve("stride-" + chunked + ".json");
      DetectionJob job = VideoDetector.open(video).model(model).frameStride(10).decoder(decoder).listener(listener).progress(reports::add);
      if (chunked) {
        job.chunkSize(Duration.ofSeconds(10));
      }

      DetectionSummary s = job.writeJson(out);

      Progress last = reports.get(reports.size() - 1);
      System.out.println("ListenerAndProgressTest: " + (chunked ? "chunked" : "unchunked") + " last progress " + last + ", "
          + reports.size() + " reports, summary " + s.framesDecoded() + " decoded / " + s.framesProcessed() + " processed");
      assertThat(s.framesDecoded()).isEqualTo(1394);
      assertThat(s.framesProcessed()).isEqualTo(140);
      assertThat(listener.frames).isEqualTo(140);
      assertThat(last.framesDone()).as("frames covered").isEqualTo(1394);
      assertThat(last.framesTotal()).isEqualTo(1394);
      assertThat(last.fraction()).isEqualTo(1.0);
      assertThat(last.framesProcessed()).as("frames the model ran on").isEqualTo(140);
      assertThat(reports).allMatch(p -> p.framesProcessed() <= p.framesDone() && p.framesProcessed() * 10 <= p.framesDone() + 10);
      assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(plain));
      assertThat(listener.finish(s)).isEqualTo(Files.readAllBytes(plain));
      assertThat(decoder.opens.get()).as(chunked ? "one index pass" : "one decode").isEqualTo(1);
    }
  }
}
