package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DataSize;
import io.framewise.Detection;
import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.ModelInfo;
import io.framewise.ModelSpec;
import io.framewise.ResourceLimitException;
import io.framewise.VideoDetector;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoFrame;
import io.framewise.spi.VideoIndex;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chunked, parallel and batched runs give exactly the bytes of a single sequential run, on videos
 * with B-frames, H.264, variable frame rate and a real clip; frame sampling keeps true ids; budgets
 * and failing segments are handled.
 */
class ChunkedPipelineTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Path model;
  static Path batchModel;
  static SyntheticVideo bframes;
  static Path bframesFile;

  @BeforeAll
  static void setUp() {
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("v8.onnx"));
    batchModel = SyntheticDetector.builder(SyntheticFamily.YOLOV8).dynamicBatch(true).build().write(dir.resolve("v8-batch.onnx"));
    bframes = SyntheticVideo.builder().frames(120).gopSize(12).bFrames(2).build();
    bframesFile = bframes.write(dir.resolve("bframes.mp4"));
  }

  static Stream<Arguments> videos() {
    return Stream.of(
        Arguments.of("mpeg4 with B-frames (mp4)", SyntheticVideo.builder().frames(120).gopSize(12).bFrames(2).build(), "bf.mp4"),
        Arguments.of("H.264 (openh264, mkv)", SyntheticVideo.builder().frames(90).gopSize(15).codec("libopenh264").build(), "h264.mkv"),
        Arguments.of("variable frame rate (mkv)", SyntheticVideo.builder().frames(90).gopSize(10).variableFrameRate(true).build(), "vfr.mkv"),
        Arguments.of("AVI", SyntheticVideo.builder().frames(60).gopSize(10).build(), "plain.avi"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("videos")
  void writeJson_isByteIdentical_whateverChunkSizeParallelismAndBatch(String name, SyntheticVideo v, String file) throws Exception {
    Path video = v.write(dir.resolve(file));
    byte[] reference = json(video, model, j -> j);
    SyntheticPipelineTest.assertMatchesTruth(JSON.readTree(reference), v);

    assertThat(json(video, model, j -> j.chunkSize(Duration.ofSeconds(1)).parallelism(1))).isEqualTo(reference);
    assertThat(json(video, model, j -> j.chunkSize(Duration.ofSeconds(2)).parallelism(3))).isEqualTo(reference);
    assertThat(json(video, model, j -> j.chunkSize(DataSize.ofKibibytes(16)).parallelism(2))).isEqualTo(reference);
    assertThat(json(video, model, j -> j.parallelism(2))).isEqualTo(reference);

    byte[] batched = json(video, batchModel, j -> j.batchSize(1));
    assertThat(json(video, batchModel, j -> j.batchSize(4))).isEqualTo(batched);
    // two workers at batch 7 of a 640x640 model: about 1 GiB by the budget (activations counted), more than the test JVM's -Xmx
    assertThat(json(video, batchModel, j -> j.batchSize(7).chunkSize(Duration.ofSeconds(2)).parallelism(2).maxHeap(DataSize.ofGibibytes(2))))
        .isEqualTo(batched);
    SyntheticPipelineTest.assertMatchesTruth(JSON.readTree(batched), v);
  }

  @Test
  void index_splitsAtKeyFrames_andCoversEveryFrame() throws IOException {
    VideoIndex index = new FfmpegDecoderProvider().index(bframesFile,
        new PipelineOptions(0, Duration.ofSeconds(2), null, 0, 0, 1, false, null));
    assertThat(index.totalFrames()).isEqualTo(120);
    assertThat(index.segments()).hasSizeGreaterThan(4);
    for (VideoIndex.Segment s : index.segments()) {
      assertThat(s.frameCount()).isEqualTo(java.util.Arrays.stream(s.gopFrames()).sum());
    }
    VideoIndex whole = new FfmpegDecoderProvider().index(bframesFile, PipelineOptions.DEFAULTS);
    assertThat(whole.segments()).hasSize(1);
    assertThat(whole.segments().get(0).gopFrames()).hasSizeGreaterThanOrEqualTo(10); // gop 12, plus scene-cut key frames
    assertThat(java.util.Arrays.stream(whole.segments().get(0).gopFrames()).sum()).isEqualTo(120);
  }

  @Test
  void realClip_chunkedAndParallel_isByteIdentical() throws Exception {
    Path video = TestData.file("videos/one-by-one-person-detection.mp4");
    Path face = TestData.file("models/version-RFB-320.onnx");
    byte[] reference = json(video, face, j -> j);
    assertThat(JSON.readTree(reference).get("frames").size()).isEqualTo(1394);
    assertThat(json(video, face, j -> j.chunkSize(Duration.ofSeconds(7)).parallelism(2))).isEqualTo(reference);
    assertThat(json(video, face, j -> j.chunkSize(DataSize.ofKibibytes(300)).parallelism(3))).isEqualTo(reference);
  }

  @Test
  void frameStride_keepsTrueFrameIds() throws Exception {
    JsonNode all = JSON.readTree(json(bframesFile, model, j -> j));
    byte[] strided = json(bframesFile, model, j -> j.frameStride(5));
    JsonNode doc = JSON.readTree(strided);
    assertThat(doc.get("frames").size()).isEqualTo(24);
    for (int i = 0; i < 24; i++) {
      JsonNode f = doc.get("frames").get(i);
      assertThat(f.get("frameId").asInt()).isEqualTo(5 * i);
      assertThat(f).isEqualTo(all.get("frames").get(5 * i));
    }
    assertThat(doc.at("/summary/framesDecoded").asInt()).isEqualTo(120);
    assertThat(doc.at("/summary/framesProcessed").asInt()).isEqualTo(24);
    assertThat(doc.at("/summary/complete").asBoolean()).isTrue();
    assertThat(json(bframesFile, model, j -> j.frameStride(5).chunkSize(Duration.ofSeconds(2)).parallelism(2))).isEqualTo(strided);
  }

  @Test
  void keyframesOnly_keepsTrueFrameIds() throws Exception {
    JsonNode all = JSON.readTree(json(bframesFile, model, j -> j));
    byte[] keys = json(bframesFile, model, DetectionJob::keyframesOnly);
    JsonNode doc = JSON.readTree(keys);
    // key frame ids from the demux-only index: every GOP starts with one
    List<Integer> keyIds = new ArrayList<>();
    int id = 0;
    for (int g : new FfmpegDecoderProvider().index(bframesFile, PipelineOptions.DEFAULTS).segments().get(0).gopFrames()) {
      keyIds.add(id);
      id += g;
    }
    assertThat(keyIds).contains(0, 12, 24, 36, 48, 60, 72, 84, 96, 108);
    assertThat(doc.get("frames").size()).isEqualTo(keyIds.size());
    for (int i = 0; i < keyIds.size(); i++) {
      JsonNode f = doc.get("frames").get(i);
      assertThat(f.get("frameId").asInt()).isEqualTo(keyIds.get(i));
      assertThat(f).isEqualTo(all.get("frames").get(keyIds.get(i))); // the scene differs every frame: a wrong id would not match
    }
    assertThat(doc.at("/summary/complete").asBoolean()).isTrue();
    assertThat(json(bframesFile, model, j -> j.keyframesOnly().chunkSize(Duration.ofSeconds(3)).parallelism(2))).isEqualTo(keys);
  }

  @Test
  void maxHeap_tooSmallFor8kVideo_throwsResourceLimitSayingWhatToChange() {
    Path video = SyntheticVideo.builder().size(7680, 4320).objectSize(480).frames(2).build().write(dir.resolve("8k.mp4"));
    assertThatThrownBy(() -> VideoDetector.open(video).model(batchModel).batchSize(8).maxHeap(DataSize.ofMebibytes(256))
            .writeJson(new ByteArrayOutputStream()))
        .isInstanceOf(ResourceLimitException.class)
        .hasMessageContaining("8k.mp4")
        .hasMessageContaining("7680x4320")
        .hasMessageContaining("maxHeap is 256MiB")
        .hasMessageContaining("raise maxHeap to at least")
        .hasMessageContaining("FW-300");
  }

  @Test
  void maxHeap_explicitParallelismThatDoesNotFit_throws_derivedOneFits() throws Exception {
    assertThatThrownBy(() -> VideoDetector.open(bframesFile).model(model).parallelism(64).chunkSize(Duration.ofSeconds(1))
            .maxHeap(DataSize.ofMebibytes(512)).writeJson(new ByteArrayOutputStream()))
        .isInstanceOf(ResourceLimitException.class)
        .hasMessageContaining("lower batchSize/parallelism");
    byte[] reference = json(bframesFile, model, j -> j);
    assertThat(json(bframesFile, model, j -> j.chunkSize(Duration.ofSeconds(1)).maxHeap(DataSize.ofMebibytes(320)))).isEqualTo(reference);
  }

  @Test
  void failingSegment_isRetriedAlone() throws Exception {
    byte[] reference = json(bframesFile, model, j -> j);
    FlakyAdapter flaky = new FlakyAdapter(50, 1);
    byte[] out = json(bframesFile, model, j -> j.chunkSize(Duration.ofSeconds(2)).parallelism(2).modelAdapter(flaky));
    assertThat(out).isEqualTo(reference);
    assertThat(flaky.failures).isEqualTo(1);
  }

  @Test
  void segmentFailingEveryAttempt_isReported_otherSegmentsKept() throws Exception {
    JsonNode reference = JSON.readTree(json(bframesFile, model, j -> j));
    VideoIndex index = new FfmpegDecoderProvider().index(bframesFile, new PipelineOptions(0, Duration.ofSeconds(2), null, 0, 0, 1, false, null));
    VideoIndex.Segment bad = index.segments().stream().filter(s -> s.firstFrameId() <= 50 && 50 <= s.lastFrameId()).findFirst().orElseThrow();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = VideoDetector.open(bframesFile).model(model).chunkSize(Duration.ofSeconds(2)).parallelism(2)
        .modelAdapter(new FlakyAdapter(50, Integer.MAX_VALUE)).writeJson(out);
    assertThat(summary.complete()).isFalse();
    assertThat(summary.framesFailed()).isEqualTo(bad.frameCount());
    assertThat(summary.errors()).singleElement().satisfies(e -> {
      assertThat(e.code()).isEqualTo("FW-108");
      assertThat(e.message()).contains("frames " + bad.firstFrameId() + ".." + bad.lastFrameId()).contains("3 attempts");
      assertThat(e.frameId()).isEqualTo(bad.firstFrameId());
    });
    JsonNode doc = JSON.readTree(out.toByteArray());
    List<JsonNode> expected = new ArrayList<>();
    reference.get("frames").forEach(f -> {
      long id = f.get("frameId").asLong();
      if (id < bad.firstFrameId() || id > bad.lastFrameId()) {
        expected.add(f);
      }
    });
    List<JsonNode> actual = new ArrayList<>();
    doc.get("frames").forEach(actual::add);
    assertThat(actual).isEqualTo(expected);
    JsonSchemaCheck.assertValid(out.toByteArray());
  }

  @Test
  void damagedAvi_lostFramesReportedTheSameWayChunkedOrNot() throws Exception {
    Path avi = SyntheticVideo.builder().frames(40).gopSize(10).build().write(dir.resolve("damage.avi"));
    byte[] bytes = java.nio.file.Files.readAllBytes(avi);
    int at = bytes.length * 6 / 10;
    java.util.Arrays.fill(bytes, at, at + 3000, (byte) 0); // the demuxer resyncs past three frames
    Path broken = java.nio.file.Files.write(dir.resolve("damaged.avi"), bytes);
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    DetectionSummary summary = VideoDetector.open(broken).model(model).writeJson(plain);
    assertThat(summary.complete()).isFalse();
    assertThat(summary.framesFailed()).isZero(); // the three frames are gone from the file: not failed, reported missing
    assertThat(summary.framesDecoded()).isEqualTo(37);
    assertThat(summary.errors()).singleElement().satisfies(e -> assertThat(e.code()).isEqualTo("FW-106"));
    assertThat(json(broken, model, j -> j.chunkSize(Duration.ofSeconds(1)).parallelism(2)))
        .isEqualTo(json(broken, model, j -> j));
  }

  @Test
  void damagedMatroska_demuxerSkippingDataIsReported_sameWayChunkedOrNot() throws Exception {
    Path mkv = SyntheticVideo.builder().frames(40).gopSize(10).build().write(dir.resolve("damage.mkv"));
    byte[] bytes = java.nio.file.Files.readAllBytes(mkv);
    int at = bytes.length * 6 / 10;
    java.util.Arrays.fill(bytes, at, at + 3000, (byte) 0); // Matroska declares no frame count: the demuxer resyncs
    Path broken = java.nio.file.Files.write(dir.resolve("damaged.mkv"), bytes);
    DetectionSummary summary = VideoDetector.open(broken).model(model).confidence(0.5).writeJson(new ByteArrayOutputStream());
    assertThat(summary.framesProcessed()).isLessThan(40);
    assertThat(summary.complete()).isFalse();
    assertThat(summary.errors()).anySatisfy(e -> assertThat(e.code()).isEqualTo("FW-109"));
    // Chunked: the same bytes (the stream is decoded whole from the damaged segment on, issue 8).
    assertThat(json(broken, model, j -> j.chunkSize(Duration.ofSeconds(1)).parallelism(2))).isEqualTo(json(broken, model, j -> j));
  }

  @Test
  void segmentDecodingFewerFramesThanIndexed_fallsBackToTheWholeStream() throws Exception {
    // A decoder provider whose index promises one frame more in the second segment than the file holds.
    FfmpegDecoderProvider real = new FfmpegDecoderProvider();
    io.framewise.spi.VideoDecoderProvider lying = new io.framewise.spi.VideoDecoderProvider() {
      @Override
      public String name() {
        return "ffmpeg-off-by-one-index";
      }

      @Override
      public io.framewise.spi.VideoDecoder open(Path video) {
        return real.open(video);
      }

      @Override
      public boolean supportsSegments() {
        return true;
      }

      @Override
      public VideoIndex index(Path video, PipelineOptions options) throws IOException {
        VideoIndex i = real.index(video, options);
        List<VideoIndex.Segment> segs = new ArrayList<>();
        long shift = 0;
        for (VideoIndex.Segment s : i.segments()) {
          int[] gops = s.gopFrames();
          if (s.index() == 1) {
            gops[gops.length - 1]++;
          }
          long count = s.frameCount() + (s.index() == 1 ? 1 : 0);
          segs.add(new VideoIndex.Segment(s.index(), s.firstFrameId() + shift, count, s.startPts(), s.endPts(), s.startDts(), s.bytes(), gops));
          shift += count - s.frameCount();
        }
        return new VideoIndex(i.info(), i.totalFrames() + 1, i.basePts(), segs);
      }

      @Override
      public io.framewise.spi.VideoDecoder openSegment(Path video, VideoIndex index, VideoIndex.Segment segment, boolean keys)
          throws IOException {
        return real.openSegment(video, index, segment, keys);
      }
    };
    // Segment 1 decodes one frame fewer than promised (FW-107, internal): from there the stream is
    // decoded whole, so the output is the unchunked run's, no frame is invented as failed.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = VideoDetector.open(bframesFile).model(model).confidence(0.5).decoder(lying)
        .chunkSize(Duration.ofSeconds(2)).writeJson(out);
    assertThat(summary.complete()).isTrue();
    assertThat(summary.framesFailed()).isZero();
    assertThat(out.toByteArray()).isEqualTo(json(bframesFile, model, j -> j));
  }

  @Test
  void progress_isReportedWhileSegmentsFinishQuickly() throws Exception {
    SyntheticVideo v = SyntheticVideo.builder().size(320, 192).frames(3000).gopSize(25).build();
    Path video = v.write(dir.resolve("progress.mp4"));
    List<io.framewise.Progress> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    long t0 = System.nanoTime();
    VideoDetector.open(video).model(model).chunkSize(Duration.ofSeconds(5)).parallelism(2).progress(seen::add).run(f -> {});
    double seconds = (System.nanoTime() - t0) / 1e9;
    // reports about every 0.5 s for the whole run, not only while waiting on a slow segment
    assertThat(seen.size()).as("%d reports in %.1f s", seen.size(), seconds).isGreaterThanOrEqualTo((int) seconds);
    assertThat(seen).hasSizeGreaterThanOrEqualTo(2);
    assertThat(seen.get(seen.size() - 1).framesDone()).isEqualTo(3000);
    assertThat(seen.get(0).framesDone()).isLessThan(3000);
    assertThat(seen.get(0).framesTotal()).isEqualTo(3000);
  }

  @Test
  void caches_shareSessionsAndIndexes() throws Exception {
    ModelCache.clear();
    try (ModelAdapter a = new OnnxModelAdapterProvider().open(ModelSpec.of(model));
        ModelAdapter b = new OnnxModelAdapterProvider().open(ModelSpec.of(model))) {
      assertThat(ModelCache.sharedSize()).isEqualTo(1);
      assertThat(((OnnxModelAdapter) a).info()).isSameAs(((OnnxModelAdapter) b).info());
    }
  }

  private static byte[] json(Path video, Path modelFile, UnaryOperator<DetectionJob> options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = options.apply(VideoDetector.open(video).model(modelFile).confidence(0.5)).writeJson(out);
    assertThat(summary.framesProcessed()).isPositive();
    return out.toByteArray();
  }

  /** Wraps the real adapter; inference fails on frame {@code failOn} for the first {@code times} attempts. */
  static final class FlakyAdapter implements ModelAdapterProvider {
    final java.util.function.Predicate<VideoFrame> fails;
    final long failOn;
    final int times;
    volatile int failures;

    /** Fails on the frame whose decoder-assigned id is {@code failOn} (segmented runs). */
    FlakyAdapter(long failOn, int times) {
      this(frame -> frame.index() == failOn, failOn, times);
    }

    /** Fails on the frames {@code fails} picks, reporting them as frame {@code failOn}. */
    FlakyAdapter(java.util.function.Predicate<VideoFrame> fails, long failOn, int times) {
      this.fails = fails;
      this.failOn = failOn;
      this.times = times;
    }

    @Override
    public String name() {
      return "onnxruntime";
    }

    @Override
    public ModelAdapter open(ModelSpec spec) {
      ModelAdapter real = new OnnxModelAdapterProvider().open(spec);
      return new ModelAdapter() {
        @Override
        public ModelInfo info() {
          return real.info();
        }

        @Override
        public List<Detection> detect(VideoFrame frame, DetectionParams params) throws IOException {
          if (fails.test(frame)) {
            synchronized (FlakyAdapter.this) {
              if (failures < times) {
                failures++;
                throw new IOException("injected failure on frame " + failOn);
              }
            }
          }
          return real.detect(frame, params);
        }

        @Override
        public void close() {
          real.close();
        }
      };
    }
  }
}
