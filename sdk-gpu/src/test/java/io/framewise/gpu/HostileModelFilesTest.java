package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.framewise.DetectionSummary;
import io.framewise.ModelException;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.testkit.ConnectionWatch;
import io.framewise.testkit.HostileMedia;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 8 §10: hostile model and labels files through the SDK: missing, not regular, FIFO, empty,
 * random, text, truncated ONNX, external data that points outside the model's folder (relative
 * {@code ../}, absolute, a symlink, a FIFO outside), and labels files that are empty, binary, not
 * regular or one huge line. Each failing case asserts {@link ModelException} with its code, a message
 * naming the file and what is wrong, no output ({@code writeJson(Path)} leaves nothing, a stream gets
 * no summary), a bounded time, and no connection to a watched listener.
 *
 * <p>External data: ONNX Runtime 1.29 validates an initializer's {@code location} before opening it
 * (absolute paths refused; the resolved path, symlinks included, must stay in the model's folder), so
 * Framewise reports FW-201 and nothing outside is read. The FIFO cases show "not read": opening a FIFO
 * without a writer blocks, so a read attempt would hang past the time limit. A control case loads the
 * same model with its external data inside the folder, so the refusals are about the location alone.
 */
class HostileModelFilesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LIMIT = Duration.ofSeconds(30);

  @TempDir static Path root;
  static Path video;
  static ConnectionWatch watch;
  static SyntheticDetector detector = SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(160, 96).cell(32).build();

  @BeforeAll
  static void setUp() {
    watch = ConnectionWatch.start();
    video = HostileMedia.BASE.write(root.resolve("clip.mp4"));
  }

  @AfterAll
  static void tearDown() {
    watch.close();
  }

  /** Makes the hostile file in an empty folder; returns {model, labels or null}. */
  @FunctionalInterface
  interface Maker {
    Path[] make(Path dir) throws Exception;
  }

  /**
   * One hostile model or labels file.
   *
   * @param name id
   * @param code expected code
   * @param problem fragment(s) of the message, alternatives separated by {@code |}; null: only the file and code are checked
   * @param maker makes it
   */
  record Case(String name, String code, @Nullable String problem, Maker maker) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    List<Case> c = new ArrayList<>();
    String invalid = "not a valid ONNX model";
    String outside = "External data path";
    // --- the model file itself
    c.add(new Case("model-missing", "FW-200", "no such model file", d -> model(d.resolve("absent.onnx"))));
    c.add(new Case("model-directory", "FW-200", "not a regular file", d -> model(Files.createDirectory(d.resolve("folder.onnx")))));
    c.add(new Case("model-fifo", "FW-200", "not a regular file", d -> model(HostileMedia.fifo(d.resolve("pipe.onnx")))));
    c.add(new Case("model-empty", "FW-201", "empty", d -> model(Files.createFile(d.resolve("empty.onnx")))));
    c.add(new Case("model-random", "FW-201", invalid, d -> model(Files.write(d.resolve("noise.onnx"), HostileMedia.noise(64 * 1024, 11)))));
    c.add(new Case("model-text", "FW-201", invalid, d -> model(Files.writeString(d.resolve("notes.onnx"), "not a model\n".repeat(50)))));
    c.add(new Case("model-video", "FW-201", invalid, d -> model(Files.copy(video, d.resolve("clip.onnx")))));
    for (int pct : new int[] {1, 10, 50, 90, 99}) {
      byte[] whole = detector.toBytes();
      c.add(new Case("model-truncated-" + pct + "pct", "FW-201", invalid,
          d -> model(Files.write(d.resolve("cut" + pct + ".onnx"), Arrays.copyOf(whole, whole.length * pct / 100)))));
    }
    // --- external data outside the model's folder
    c.add(new Case("external-data-parent", "FW-201", outside, d -> {
      Path models = Files.createDirectory(d.resolve("models"));
      Files.write(d.resolve("weights.bin"), weights());
      return model(Files.write(models.resolve("parent.onnx"), externalModel("../weights.bin")));
    }));
    c.add(new Case("external-data-absolute", "FW-201", outside, d -> {
      Path weights = Files.write(d.resolve("weights.bin"), weights());
      Path models = Files.createDirectory(d.resolve("models"));
      return model(Files.write(models.resolve("absolute.onnx"), externalModel(weights.toString())));
    }));
    c.add(new Case("external-data-dotdot-inside-path", "FW-201", outside, d -> {
      Path models = Files.createDirectories(d.resolve("models/sub"));
      Files.write(d.resolve("weights.bin"), weights());
      return model(Files.write(models.resolveSibling("dotdot.onnx"), externalModel("sub/../../weights.bin")));
    }));
    c.add(new Case("external-data-symlink-out", "FW-201", outside, d -> {
      Path models = Files.createDirectory(d.resolve("models"));
      Path weights = Files.write(d.resolve("weights.bin"), weights());
      Files.createSymbolicLink(models.resolve("weights.bin"), weights);
      return model(Files.write(models.resolve("link.onnx"), externalModel("weights.bin")));
    }));
    c.add(new Case("external-data-fifo-outside", "FW-201", outside, d -> {
      Path models = Files.createDirectory(d.resolve("models"));
      HostileMedia.fifo(d.resolve("weights.bin"));
      return model(Files.write(models.resolve("fifo.onnx"), externalModel("../weights.bin")));
    }));
    c.add(new Case("external-data-proc", "FW-201", outside,
        d -> model(Files.write(d.resolve("proc.onnx"), externalModel("/proc/self/environ")))));
    c.add(new Case("external-data-dev-zero", "FW-201", outside,
        d -> model(Files.write(d.resolve("zero.onnx"), externalModel("/dev/zero")))));
    c.add(new Case("external-data-missing", "FW-201", "External data path|does not exist",
        d -> model(Files.write(d.resolve("missing.onnx"), externalModel("absent.bin")))));
    c.add(new Case("external-data-past-end", "FW-201", invalid, d -> {
      Files.write(d.resolve("short.bin"), Arrays.copyOf(weights(), 8));
      return model(Files.write(d.resolve("short.onnx"), externalModel("short.bin")));
    }));
    c.add(new Case("external-data-url", "FW-201", invalid, d -> model(Files.write(d.resolve("url.onnx"),
        externalModel("http://127.0.0.1:" + watch.port() + "/weights.bin")))));
    // --- labels files
    c.add(new Case("labels-missing", "FW-203", "no such labels file", d -> labels(d.resolve("absent.names"))));
    c.add(new Case("labels-directory", "FW-203", "not a regular file", d -> labels(Files.createDirectory(d.resolve("folder.names")))));
    c.add(new Case("labels-fifo", "FW-203", "not a regular file", d -> labels(HostileMedia.fifo(d.resolve("pipe.names")))));
    c.add(new Case("labels-empty", "FW-203", "no labels", d -> labels(Files.createFile(d.resolve("empty.names")))));
    c.add(new Case("labels-blank-lines", "FW-203", "no labels", d -> labels(Files.writeString(d.resolve("blank.names"), "\n \n\t\n\n"))));
    c.add(new Case("labels-binary", "FW-203", "not UTF-8 text", d -> labels(Files.write(d.resolve("binary.names"), HostileMedia.noise(4096, 5)))));
    return c.stream();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("cases")
  void hostileModelFile(Case c) throws Exception {
    Path dir = Files.createDirectory(root.resolve(c.name()));
    Path[] files = c.maker().make(dir);
    Path model = files[0] != null ? files[0] : detector.write(dir.resolve("model.onnx"));
    Path labels = files[1];
    Path named = labels != null ? labels : model;
    ModelSpec spec = labels != null ? ModelSpec.builder(model).labelsFile(labels).build() : ModelSpec.of(model);
    Path out = Files.createDirectory(root.resolve(c.name() + "-out")).resolve("result.json");

    Throwable toFile = assertTimeoutPreemptively(LIMIT, () -> catchThrowable(() -> VideoDetector.open(video).model(spec).writeJson(out)));
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    Throwable toStream = assertTimeoutPreemptively(LIMIT, () -> catchThrowable(() -> VideoDetector.open(video).model(spec).writeJson(stream)));

    for (Throwable t : new Throwable[] {toFile, toStream}) {
      assertThat(t).as(c.name()).isInstanceOf(ModelException.class);
      ModelException e = (ModelException) t;
      assertThat(e.code()).isEqualTo(c.code());
      assertThat(e.path()).isEqualTo(named);
      assertThat(e.getMessage()).contains(named.getFileName().toString()).endsWith("(" + c.code() + ")");
      if (c.problem() != null) {
        assertThat(e.getMessage()).containsAnyOf(c.problem().split("\\|"));
      }
    }
    assertThat(out).doesNotExist();
    try (Stream<Path> left = Files.list(out.getParent())) {
      assertThat(left).isEmpty();
    }
    assertThat(stream.toString(StandardCharsets.UTF_8)).doesNotContain("\"summary\"");
    assertThat(watch.accepts()).isZero();
  }

  /** The control: the same external-data model loads when its weights lie beside it. */
  @Test
  void externalDataInsideTheFolder_loads() throws Exception {
    Path dir = Files.createDirectory(root.resolve("external-inside"));
    Files.write(dir.resolve("weights.bin"), weights());
    Path model = Files.write(dir.resolve("inside.onnx"), externalModel("weights.bin"));
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    DetectionSummary s = VideoDetector.open(video).model(model).writeJson(a);
    assertThat(s.complete()).isTrue();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    VideoDetector.open(video).model(detector.write(dir.resolve("embedded.onnx"))).writeJson(b);
    // same detections as the model with embedded weights (only the model's name differs)
    JsonNode x = JSON.readTree(a.toByteArray());
    JsonNode y = JSON.readTree(b.toByteArray());
    assertThat(x.get("frames")).isEqualTo(y.get("frames"));
    assertThat(s.framesProcessed()).isEqualTo(HostileMedia.FRAMES);
  }

  /** A labels file of one 256 KiB line is not refused: labels come from the operator (see docs/security.md). */
  @Test
  void labelsFileWithOneHugeLine_isUsedAsGiven() throws Exception {
    Path dir = Files.createDirectory(root.resolve("labels-huge-line"));
    String huge = "x".repeat(256 << 10);
    Path labels = Files.writeString(dir.resolve("huge.names"), huge + "\ngreen\nblue\n");
    Path model = detector.write(dir.resolve("model.onnx"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary s = assertTimeoutPreemptively(LIMIT,
        () -> VideoDetector.open(video).model(ModelSpec.builder(model).labelsFile(labels).build()).writeJson(out));
    assertThat(s.complete()).isTrue();
    JsonNode doc = JSON.readTree(out.toByteArray());
    assertThat(doc.at("/model/labels/0").asText()).isEqualTo(huge);
    assertThat(doc.at("/model/labels/2").asText()).isEqualTo("blue");
  }

  private static Path[] model(Path model) {
    return new Path[] {model, null};
  }

  private static Path[] labels(Path labels) {
    return new Path[] {null, labels};
  }

  /** The raw bytes of the synthetic detector's largest initializer. */
  private static byte[] weights() throws Exception {
    return largest(ModelProto.parseFrom(detector.toBytes())).getRawData().toByteArray();
  }

  /** The synthetic detector with its largest initializer moved to external data at {@code location}. */
  private static byte[] externalModel(String location) throws Exception {
    ModelProto m = ModelProto.parseFrom(detector.toBytes());
    TensorProto big = largest(m);
    ModelProto.Builder b = m.toBuilder();
    for (TensorProto.Builder t : b.getGraphBuilder().getInitializerBuilderList()) {
      if (t.getName().equals(big.getName())) {
        t.setRawData(ByteString.EMPTY)
            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
            .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
            .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
            .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Integer.toString(big.getRawData().size())));
      }
    }
    return b.build().toByteArray();
  }

  private static TensorProto largest(ModelProto m) {
    return m.getGraph().getInitializerList().stream().filter(TensorProto::hasRawData)
        .max(java.util.Comparator.comparingInt(t -> t.getRawData().size())).orElseThrow();
  }
}
