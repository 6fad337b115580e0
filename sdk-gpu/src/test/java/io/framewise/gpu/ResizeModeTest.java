package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.Detection;
import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.ModelSpec;
import io.framewise.ResizeMode;
import io.framewise.VideoDetector;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoFrame;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ResizeMode}: who shrinks a frame to the model's input. With {@code OPENCV} (the default) every
 * frame arrives at full size and the adapter resizes it; with {@code FAST} the decoder delivers frames
 * at the resized size. A job's detections must be exactly what the model adapter gives on frames decoded that way.
 */
class ResizeModeTest {

  private static final int STRIDE = 50;

  @Test
  void opencvIsTheDefaultAndNeverScalesInTheDecoder_fastShrinksThere(@TempDir Path dir) throws Exception {
    Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(320, 320).build().write(dir.resolve("m.onnx"));
    try (ModelAdapter fast = new OnnxModelAdapterProvider().open(ModelSpec.builder(model).resize(ResizeMode.FAST).build());
        ModelAdapter exact = new OnnxModelAdapterProvider().open(ModelSpec.of(model))) {
      // 1.2x smaller (centred letterbox: 320x180), 3x smaller, one side shrinking, and enlarging
      assertThat(fast.frameSizeFor(384, 216)).containsExactly(320, 180);
      assertThat(fast.frameSizeFor(960, 540)).containsExactly(320, 180);
      assertThat(fast.frameSizeFor(320, 400)).containsExactly(256, 320);
      assertThat(fast.frameSizeFor(192, 128)).isNull();
      assertThat(fast.frameSizeFor(320, 180)).isNull(); // already the resized size: nothing to scale
      assertThat(exact.frameSizeFor(384, 216)).isNull();
      assertThat(exact.frameSizeFor(960, 540)).isNull();
    }
  }

  @Test
  void jobsDetectExactlyWhatTheAdapterFindsOnFramesDecodedThatWay() throws Exception {
    Path model = TestData.file("models/yolox_nano.onnx");
    Path video = TestData.file("videos/one-by-one-person-detection.mp4"); // 768x432: a 1.85x shrink to 416x233

    ModelSpec fastSpec = ModelSpec.builder(model).resize(ResizeMode.FAST).build();
    Map<Long, List<Detection>> fast = job(video, fastSpec);
    Map<Long, List<Detection>> exact = job(video, ModelSpec.of(model));

    Map<Long, List<Detection>> fastReference = reference(video, fastSpec, new int[] {416, 233});
    Map<Long, List<Detection>> exactReference = reference(video, ModelSpec.of(model), null);
    assertThat(fast).hasSize(28).isEqualTo(fastReference);
    assertThat(exact).hasSize(28).isEqualTo(exactReference);
    // the modes are different pixels: the same people, other scores
    assertThat(fast).isNotEqualTo(exact);
  }

  @Test
  void fastGivesTheSameBytesWhateverTheChunksAndThreads() {
    Path model = TestData.file("models/yolox_nano.onnx");
    Path video = TestData.file("videos/one-by-one-person-detection.mp4");
    ModelSpec fast = ModelSpec.builder(model).resize(ResizeMode.FAST).build();

    byte[] single = json(VideoDetector.open(video).model(fast).frameStride(10).parallelism(1));
    byte[] threads = json(VideoDetector.open(video).model(fast).frameStride(10));
    byte[] chunked = json(VideoDetector.open(video).model(fast).frameStride(10).chunkSize(Duration.ofSeconds(20)).parallelism(2));
    byte[] exact = json(VideoDetector.open(video).model(model).frameStride(10));

    assertThat(threads).isEqualTo(single);
    assertThat(chunked).isEqualTo(single);
    assertThat(exact).isNotEqualTo(single);
  }

  private static byte[] json(DetectionJob job) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(job.writeJson(out).complete()).isTrue();
    return out.toByteArray();
  }

  /** Every 50th frame's detections from a single-threaded job (the same session threads as the reference). */
  private static Map<Long, List<Detection>> job(Path video, ModelSpec spec) {
    Map<Long, List<Detection>> byFrame = new LinkedHashMap<>();
    DetectionSummary summary = VideoDetector.open(video).model(spec).frameStride(STRIDE).parallelism(1)
        .run((FrameDetections f) -> byFrame.put(f.frameId(), f.detections()));
    assertThat(summary.complete()).isTrue();
    return byFrame;
  }

  /** The adapter on every 50th frame, decoded at full size or scaled by the decoder to {@code scaledTo}. */
  private static Map<Long, List<Detection>> reference(Path video, ModelSpec spec, int[] scaledTo) throws Exception {
    Map<Long, List<Detection>> byFrame = new LinkedHashMap<>();
    try (ModelAdapter adapter = new OnnxModelAdapterProvider().open(spec);
        VideoDecoder decoder = new FfmpegDecoderProvider().open(video)) {
      int[] asked = adapter.frameSizeFor(768, 432);
      if (scaledTo == null) {
        assertThat(asked).isNull();
      } else {
        assertThat(asked).containsExactly(scaledTo);
        assertThat(decoder.scaleTo(scaledTo[0], scaledTo[1])).isTrue();
      }
      VideoFrame frame;
      for (long id = 0; (frame = decoder.next()) != null; id++) {
        if (id % STRIDE == 0) {
          assertThat(frame.width()).isEqualTo(scaledTo == null ? 768 : scaledTo[0]);
          byFrame.put(id, adapter.detect(frame, DetectionParams.DEFAULTS));
        }
      }
    }
    return byFrame;
  }
}
