package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.CorruptMediaException;
import io.framewise.DetectionSummary;
import io.framewise.MediaException;
import io.framewise.ModelException;
import io.framewise.UnsupportedMediaException;
import io.framewise.VideoDetector;
import io.framewise.VideoDetectorException;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input gives a typed exception naming the file and the problem, and never leaves
 * output that looks complete.
 */
class BadInputTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Path goodVideo;
  static Path goodModel;

  @BeforeAll
  static void setUp() {
    goodVideo = SyntheticVideo.builder().frames(12).build().write(dir.resolve("good.mp4"));
    goodModel = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("good.onnx"));
  }

  @Test
  void missingVideo_throwsCorruptMedia() {
    Path missing = dir.resolve("nope.mp4");
    MediaException e = failsCleanly(missing, goodModel, MediaException.class);
    assertThat(e).isInstanceOf(CorruptMediaException.class);
    assertThat(e.code()).isEqualTo("FW-100");
    assertThat(e.path()).isEqualTo(missing);
    assertThat(e.getMessage()).contains("nope.mp4").contains("no such file");
  }

  @Test
  void emptyVideo_throwsCorruptMedia() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.mp4"));
    MediaException e = failsCleanly(empty, goodModel, MediaException.class);
    assertThat(e.code()).isEqualTo("FW-101");
    assertThat(e.getMessage()).contains("empty.mp4").contains("empty");
  }

  @Test
  void randomBytes_throwsCorruptMedia() throws IOException {
    byte[] noise = new byte[256 * 1024];
    new Random(42).nextBytes(noise);
    Path file = Files.write(dir.resolve("noise.mp4"), noise);
    MediaException e = failsCleanly(file, goodModel, MediaException.class);
    assertThat(e).isInstanceOf(CorruptMediaException.class);
    assertThat(e.getMessage()).contains("noise.mp4");
  }

  @Test
  void textFile_throwsCorruptMedia() throws IOException {
    Path file = Files.writeString(dir.resolve("notes.mp4"), "this is not a video\n".repeat(100));
    MediaException e = failsCleanly(file, goodModel, MediaException.class);
    assertThat(e.getMessage()).contains("notes.mp4");
  }

  @Test
  void truncatedMp4_moovAtEnd_throwsCorruptMedia() throws IOException {
    byte[] whole = Files.readAllBytes(goodVideo);
    Path cut = Files.write(dir.resolve("cut.mp4"), java.util.Arrays.copyOf(whole, whole.length / 2));
    MediaException e = failsCleanly(cut, goodModel, MediaException.class);
    assertThat(e.code()).isEqualTo("FW-102");
    assertThat(e.getMessage()).contains("cut.mp4");
  }

  @Test
  void truncatedMp4_faststart_reportsIncompleteNeverComplete() throws Exception {
    Path fast = dir.resolve("fast.mp4");
    writeFaststart(fast, 60);
    byte[] whole = Files.readAllBytes(fast);
    Path cut = Files.write(dir.resolve("fast-cut.mp4"), java.util.Arrays.copyOf(whole, whole.length * 2 / 3));
    Path out = dir.resolve("fast-cut.json");
    DetectionSummary summary = VideoDetector.open(cut).model(goodModel).writeJson(out);
    assertThat(summary.complete()).isFalse();
    assertThat(summary.framesFailed()).isZero(); // frames that are not in the file did not fail to decode (issue 8)
    assertThat(summary.framesProcessed()).isLessThan(60);
    assertThat(summary.errors()).anySatisfy(err -> assertThat(err.message()).contains("truncated"));
    JsonNode doc = JSON.readTree(out.toFile());
    assertThat(doc.at("/summary/complete").asBoolean()).isFalse();
    assertThat(doc.at("/summary/errors/0/code").asText()).startsWith("FW-");
  }

  @Test
  void truncatedMkv_withoutDeclaredFrameCount_reportsIncomplete() throws Exception {
    Path mkv = SyntheticVideo.builder().frames(60).build().write(dir.resolve("whole.mkv"));
    byte[] whole = Files.readAllBytes(mkv);
    Path cut = Files.write(dir.resolve("cut.mkv"), java.util.Arrays.copyOf(whole, whole.length / 2));
    DetectionSummary summary = VideoDetector.open(cut).model(goodModel).run(f -> {});
    assertThat(summary.framesProcessed()).isLessThan(60);
    assertThat(summary.complete()).isFalse();
    assertThat(summary.errors()).anySatisfy(err -> {
      assertThat(err.code()).isEqualTo("FW-106");
      assertThat(err.message()).contains("truncated");
    });
    // the whole file is complete: the check does not flag good files
    assertThat(VideoDetector.open(mkv).model(goodModel).run(f -> {}).complete()).isTrue();
  }

  @Test
  void missingLabelsFile_saysSo() {
    Path labels = dir.resolve("absent-labels.txt");
    assertThatThrownBy(() -> VideoDetector.open(goodVideo)
            .model(io.framewise.ModelSpec.builder(goodModel).labelsFile(labels).build()).run(f -> {}))
        .isInstanceOf(ModelException.class)
        .hasMessageContaining("no such labels file");
  }

  @Test
  void writeJson_path_finishedFileIsNotPrivate() throws Exception {
    Path out = dir.resolve("perm.json");
    VideoDetector.open(goodVideo).model(goodModel).writeJson(out);
    assertThat(java.nio.file.Files.getPosixFilePermissions(out)).contains(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
        java.nio.file.attribute.PosixFilePermission.GROUP_READ);
  }

  @Test
  void randomBytes_messageHasNoGarbage() throws IOException {
    Path file = Files.writeString(dir.resolve("readme.mp4"), "# Not a video\nJust text.\n");
    MediaException e = catchThrowableOfType(() -> VideoDetector.open(file).model(goodModel).run(f -> {}), MediaException.class);
    assertThat(e.getMessage()).matches("[\\p{Print}]+");
  }

  @Test
  void damagedPacketsMidStream_areCountedAndTheJobGoesOn() throws Exception {
    SyntheticVideo v = SyntheticVideo.builder().frames(40).gopSize(10).build();
    Path avi = v.write(dir.resolve("whole.avi"));
    byte[] bytes = Files.readAllBytes(avi);
    // Overwrite the payload of the 15th and 25th video chunks ('00dc') with garbage: the container
    // still delivers those packets, the decoder cannot decode them.
    int damaged = 0;
    int chunk = 0;
    for (int i = 0; i + 8 < bytes.length; i++) {
      if (bytes[i] == '0' && bytes[i + 1] == '0' && bytes[i + 2] == 'd' && bytes[i + 3] == 'c') {
        int size = (bytes[i + 4] & 0xff) | (bytes[i + 5] & 0xff) << 8 | (bytes[i + 6] & 0xff) << 16 | (bytes[i + 7] & 0xff) << 24;
        if (size > 16 && (chunk == 14 || chunk == 24)) {
          java.util.Arrays.fill(bytes, i + 8, i + 8 + size, (byte) 0xff);
          damaged++;
        }
        chunk++;
        i += 7;
      }
    }
    assertThat(damaged).isEqualTo(2);
    Path broken = Files.write(dir.resolve("damaged.avi"), bytes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = VideoDetector.open(broken).model(goodModel).writeJson(out);
    assertThat(summary.complete()).isFalse();
    assertThat(summary.framesFailed()).isEqualTo(2);
    assertThat(summary.framesProcessed()).isEqualTo(38);
    assertThat(summary.framesDecoded()).isEqualTo(40);
    assertThat(summary.errors()).hasSize(2).allSatisfy(err -> assertThat(err.code()).isEqualTo("FW-105"));
    JsonNode doc = JSON.readTree(out.toByteArray());
    // a frame that failed keeps its id (its time says which: 10 fps), so the frames after it keep theirs
    List<Integer> failedIds = summary.errors().stream().map(err -> (int) Math.round(err.ptsMs() / 100.0)).toList();
    assertThat(failedIds).hasSize(2).doesNotHaveDuplicates();
    List<Integer> ids = new java.util.ArrayList<>();
    doc.get("frames").forEach(f -> ids.add(f.get("frameId").asInt()));
    List<Integer> expected = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      if (!failedIds.contains(i)) {
        expected.add(i);
      }
    }
    assertThat(ids).isEqualTo(expected);
    for (JsonNode f : doc.get("frames")) {
      assertThat(f.get("ptsMs").asDouble()).isEqualTo(f.get("frameId").asInt() * 100.0);
    }
    assertThat(doc.at("/summary/framesFailed").asInt()).isEqualTo(2);
    JsonSchemaCheck.assertValid(out.toByteArray());
  }

  @Test
  void audioOnlyFile_throwsUnsupportedMedia() {
    Path wav = SyntheticVideo.writeNoVideo(dir.resolve("tone.wav"));
    MediaException e = failsCleanly(wav, goodModel, MediaException.class);
    assertThat(e).isInstanceOf(UnsupportedMediaException.class);
    assertThat(e.code()).isEqualTo("FW-103");
    assertThat(e.getMessage()).contains("tone.wav").contains("no video stream");
  }

  @Test
  void missingModel_throwsModelException() {
    Path missing = dir.resolve("missing.onnx");
    ModelException e = failsCleanly(goodVideo, missing, ModelException.class);
    assertThat(e.code()).isEqualTo("FW-200");
    assertThat(e.path()).isEqualTo(missing);
  }

  @Test
  void invalidOnnx_throwsModelException() throws IOException {
    byte[] noise = new byte[4096];
    new Random(7).nextBytes(noise);
    Path bad = Files.write(dir.resolve("noise.onnx"), noise);
    ModelException e = failsCleanly(goodVideo, bad, ModelException.class);
    assertThat(e.code()).isEqualTo("FW-201");
    assertThat(e.getMessage()).contains("noise.onnx").contains("not a valid ONNX model");
  }

  @Test
  void emptyOnnx_throwsModelException() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.onnx"));
    ModelException e = failsCleanly(goodVideo, empty, ModelException.class);
    assertThat(e.code()).isEqualTo("FW-201");
    assertThat(e.getMessage()).contains("empty.onnx");
  }

  @Test
  void unrecognisedLayout_throwsModelExceptionListingInputsAndOutputs() throws IOException {
    Path pooled = Files.write(dir.resolve("pooled.onnx"), globalPoolModel());
    ModelException e = failsCleanly(goodVideo, pooled, ModelException.class);
    assertThat(e.code()).isEqualTo("FW-202");
    assertThat(e.getMessage()).contains("pooled.onnx").contains("images").contains("[1, 3, 64, 64]").contains("pooled")
        .contains("[1, 3, 1, 1]");
  }

  @Test
  void unreadableLabelsFile_throwsModelException() {
    Path labels = dir.resolve("no-labels.txt");
    assertThatThrownBy(() -> VideoDetector.open(goodVideo)
            .model(io.framewise.ModelSpec.builder(goodModel).labelsFile(labels).build()).writeJson(new ByteArrayOutputStream()))
        .isInstanceOf(ModelException.class)
        .hasMessageContaining("no-labels.txt")
        .hasMessageContaining("FW-203");
  }

  @Test
  void failure_leavesAnExistingOutputUntouched() throws IOException {
    Path out = Files.writeString(dir.resolve("previous.json"), "{\"previous\":true}");
    assertThatThrownBy(() -> VideoDetector.open(dir.resolve("nope.mp4")).model(goodModel).writeJson(out))
        .isInstanceOf(CorruptMediaException.class);
    assertThat(Files.readString(out)).isEqualTo("{\"previous\":true}");
  }

  @Test
  void failureMidStream_leavesTheStreamUnterminated() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    io.framewise.spi.ModelAdapterProvider failing = new io.framewise.spi.ModelAdapterProvider() {
      @Override
      public String name() {
        return "fails-on-frame-5";
      }

      @Override
      public io.framewise.spi.ModelAdapter open(io.framewise.ModelSpec spec) {
        io.framewise.spi.ModelAdapter real = new OnnxModelAdapterProvider().open(spec);
        return new io.framewise.spi.ModelAdapter() {
          @Override
          public io.framewise.ModelInfo info() {
            return real.info();
          }

          @Override
          public List<io.framewise.Detection> detect(io.framewise.spi.VideoFrame frame, io.framewise.spi.DetectionParams p)
              throws IOException {
            // frame 4 at 10 fps, whichever inference thread gets it
            if (Math.abs(frame.ptsMs() - 400.0) < 0.5) {
              throw new IOException("GPU fell off the bus");
            }
            return real.detect(frame, p);
          }

          @Override
          public void close() {
            real.close();
          }
        };
      }
    };
    assertThatThrownBy(() -> VideoDetector.open(goodVideo).model(goodModel).modelAdapter(failing).writeJson(out))
        .isInstanceOf(ModelException.class)
        .hasMessageContaining("FW-204")
        .hasMessageContaining("frame 4");
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("\"frameId\":3").doesNotContain("\"frameId\":4").doesNotContain("summary");
    assertThatThrownBy(() -> JSON.readTree(text)).isInstanceOf(IOException.class);
  }

  /** Runs the job to a file and to a stream; both must fail with the type, leaving no output. */
  private static <E extends VideoDetectorException> E failsCleanly(Path video, Path model, Class<E> type) {
    Path out = dir.resolve("out-" + System.nanoTime() + ".json");
    E e = catchThrowableOfType(() -> VideoDetector.open(video).model(model).writeJson(out), type);
    assertThat(e).as("expected %s", type.getSimpleName()).isNotNull();
    assertThat(out).doesNotExist();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    } catch (IOException io) {
      throw new AssertionError(io);
    }
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    E again = catchThrowableOfType(() -> VideoDetector.open(video).model(model).writeJson(stream), type);
    assertThat(again).isNotNull();
    assertThat(stream.toString(StandardCharsets.UTF_8)).doesNotContain("summary");
    return e;
  }

  private static void writeFaststart(Path file, int frames) throws Exception {
    SyntheticVideo v = SyntheticVideo.builder().frames(frames).build();
    try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), v.width(), v.height())) {
      r.setFormat("mp4");
      r.setVideoCodec(org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MPEG4);
      r.setFrameRate(10);
      r.setVideoQuality(2);
      r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      r.setOption("movflags", "faststart");
      r.start();
      Frame frame = new Frame(v.width(), v.height(), Frame.DEPTH_UBYTE, 3);
      for (int f = 0; f < frames; f++) {
        v.render(f, (java.nio.ByteBuffer) frame.image[0], frame.imageStride);
        r.record(frame, avutil.AV_PIX_FMT_BGR24);
      }
    }
  }

  /** A valid ONNX model whose only output is a global average pool: no detection family fits it. */
  private static byte[] globalPoolModel() {
    OnnxMl.TypeProto.Tensor.Builder in = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
    OnnxMl.TensorShapeProto.Builder inShape = OnnxMl.TensorShapeProto.newBuilder();
    for (long d : new long[] {1, 3, 64, 64}) {
      inShape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    OnnxMl.TypeProto.Tensor.Builder out = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
    OnnxMl.TensorShapeProto.Builder outShape = OnnxMl.TensorShapeProto.newBuilder();
    for (long d : new long[] {1, 3, 1, 1}) {
      outShape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
        .setName("pool")
        .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("images")
            .setType(OnnxMl.TypeProto.newBuilder().setTensorType(in.setShape(inShape))))
        .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("pooled")
            .setType(OnnxMl.TypeProto.newBuilder().setTensorType(out.setShape(outShape))))
        .addNode(OnnxMl.NodeProto.newBuilder().setOpType("GlobalAveragePool").addInput("images").addOutput("pooled"))
        .build();
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(7)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13))
        .setGraph(graph)
        .build()
        .toByteArray();
  }
}
