package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DetectionJob;
import io.framewise.DetectorIOException;
import io.framewise.ModelException;
import io.framewise.VideoDetector;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unchunked run decodes on the calling thread and runs the model on inference threads: its output
 * is the single-threaded run's, byte for byte (batches, stride, B-frames, a real clip), failures on an
 * inference thread end the job with the frame named, and no thread outlives the job.
 */
class StreamPipelineTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String THREAD_PREFIX = "framewise-inference-";

  @TempDir static Path dir;
  static Path model;
  static Path batchModel;
  static SyntheticVideo bframes;
  static Path bframesFile;

  @BeforeAll
  static void setUp() {
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("v8.onnx"));
    batchModel = SyntheticDetector.builder(SyntheticFamily.YOLOV8).dynamicBatch(true).build().write(dir.resolve("v8-batch.onnx"));
    bframes = SyntheticVideo.builder().frames(150).gopSize(12).bFrames(2).build();
    bframesFile = bframes.write(dir.resolve("bframes.mp4"));
  }

  @Test
  void defaultRun_usesInferenceThreads_andWritesTheSingleThreadedBytes() throws Exception {
    assumeThat(Runtime.getRuntime().availableProcessors()).as("inference threads need more than one core").isGreaterThan(1);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    VideoDetector.open(bframesFile).model(model).run(frame -> seen.addAll(inferenceThreads()));
    assertThat(seen).as("inference threads seen while the job ran").hasSizeGreaterThan(1);
    assertThat(inferenceThreads()).as("inference threads alive after the job").isEmpty();

    byte[] pooled = json(bframesFile, model, j -> j);
    byte[] single = json(bframesFile, model, j -> j.parallelism(1));
    assertThat(pooled).isEqualTo(single);
    SyntheticPipelineTest.assertMatchesTruth(JSON.readTree(pooled), bframes);

    Set<String> three = ConcurrentHashMap.newKeySet();
    VideoDetector.open(bframesFile).model(model).parallelism(3).run(frame -> three.addAll(inferenceThreads()));
    assertThat(three).as("parallelism(3) without chunking: inference threads").hasSize(3);
    assertThat(json(bframesFile, model, j -> j.parallelism(3))).isEqualTo(single);

    byte[] batched = json(bframesFile, batchModel, j -> j.batchSize(4).parallelism(1));
    assertThat(json(bframesFile, batchModel, j -> j.batchSize(4))).isEqualTo(batched);
    assertThat(json(bframesFile, batchModel, j -> j.batchSize(3))).isEqualTo(batched);
    assertThat(json(bframesFile, model, j -> j.frameStride(4))).isEqualTo(json(bframesFile, model, j -> j.frameStride(4).parallelism(1)));
  }

  @Test
  void realClip_inferenceThreads_matchSingleThreadedRun() throws Exception {
    Path video = TestData.file("videos/one-by-one-person-detection.mp4");
    Path face = TestData.file("models/version-RFB-320.onnx");
    byte[] single = json(video, face, j -> j.parallelism(1));
    assertThat(JSON.readTree(single).get("frames").size()).isEqualTo(1394);
    assertThat(json(video, face, j -> j)).isEqualTo(single);
  }

  @Test
  void failureOnAnInferenceThread_endsTheJobNamingTheFrame_andLeavesNoFinishedJson() {
    assumeThat(Runtime.getRuntime().availableProcessors()).as("inference threads need more than one core").isGreaterThan(1);
    long failOn = 77;
    long failPts = Math.round(bframes.ptsMs(failOn) * 1000);
    // unchunked frames carry no decoder-assigned id: the adapter recognises frame 77 by its time
    ChunkedPipelineTest.FlakyAdapter failing =
        new ChunkedPipelineTest.FlakyAdapter(f -> Math.abs(f.ptsMicros() - failPts) < 500, failOn, Integer.MAX_VALUE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ModelException e = catchThrowableOfType(
        () -> VideoDetector.open(bframesFile).model(model).confidence(0.5).modelAdapter(failing).writeJson(out),
        ModelException.class);

    assertThat(e).as("the job fails").isNotNull();
    assertThat(e.code()).isEqualTo("FW-204");
    assertThat(e.getMessage()).contains("inference failed on frame " + failOn).contains("injected failure");
    assertThat(inferenceThreads()).as("inference threads alive after the job threw").isEmpty();
    String written = out.toString(StandardCharsets.UTF_8);
    assertThat(written).doesNotContain("\"summary\"");
    assertThat(written).doesNotContain("\"frameId\":" + failOn + ",");
  }

  @Test
  void outputFailing_midStream_isAnIoError_notAnInferenceFailure() {
    // enough frames that the writer fails while frames are still being decoded and inferred
    java.io.OutputStream full = new java.io.OutputStream() {
      private long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        written += len;
        if (written > 4_000) {
          throw new IOException("No space left on device (simulated)");
        }
      }
    };
    for (int threads : new int[] {1, 2}) {
      DetectorIOException e = catchThrowableOfType(
          () -> VideoDetector.open(bframesFile).model(model).confidence(0.5).parallelism(threads).writeJson(full),
          DetectorIOException.class);
      assertThat(e).as("parallelism(%d): a failing output is an I/O error", threads).isNotNull();
      assertThat(e).hasMessageStartingWith("cannot write the JSON to the output stream: ")
          .hasRootCauseMessage("No space left on device (simulated)");
      assertThat(inferenceThreads()).isEmpty();
    }
  }

  private static Set<String> inferenceThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(THREAD_PREFIX))
        .map(Thread::getName)
        .collect(java.util.stream.Collectors.toSet());
  }

  private static byte[] json(Path video, Path modelFile, UnaryOperator<DetectionJob> options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(options.apply(VideoDetector.open(video).model(modelFile).confidence(0.5)).writeJson(out).complete()).isTrue();
    return out.toByteArray();
  }
}
