package io.framewise.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.DataSize;
import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.ResizeMode;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.JobConfig;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.PipelineOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one job identity: every option that shapes the output changes the fingerprint (and the
 * difference names it), options that cannot change the output leave it alone, and content changes
 * that keep a file's size and modification time are still seen.
 */
class JobFingerprintTest {

  @TempDir Path tmp;
  Path video;
  Path model;
  Path labels;

  @BeforeEach
  void files() throws IOException {
    video = Files.write(tmp.resolve("in.mp4"), bytes(3 << 20, 1)); // larger than the 2 x 1 MiB sample
    model = Files.write(tmp.resolve("model.onnx"), bytes(5000, 2));
    labels = Files.writeString(tmp.resolve("labels.txt"), "person\ncar\n");
  }

  private JobConfig base() {
    return config(ModelSpec.builder(model).labelsFile(labels).build(), DetectionParams.DEFAULTS,
        new PipelineOptions(0, Duration.ofSeconds(2), null, 2, 4, 1, false, tmp.resolve("cp")));
  }

  private JobConfig config(ModelSpec spec, DetectionParams params, PipelineOptions o) {
    return new JobConfig(video, spec, params, new FfmpegDecoderProvider(), new NamedAdapter("test"), null, o);
  }

  private static PipelineOptions with(PipelineOptions o, UnaryOperator<Object[]> change) {
    Object[] f = {o.chunkBytes(), o.chunkDuration(), o.maxHeap(), o.parallelism(), o.batchSize(), o.frameStride(),
        o.keyframesOnly(), o.checkpointDir()};
    f = change.apply(f);
    return new PipelineOptions((long) f[0], (Duration) f[1], (DataSize) f[2], (int) f[3], (int) f[4], (int) f[5],
        (boolean) f[6], (Path) f[7]);
  }

  @Test
  void sameConfiguration_sameFingerprint_andItIsAHexSha256() throws IOException {
    JobFingerprint a = JobFingerprint.of(base());
    JobFingerprint b = JobFingerprint.of(base());
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.hex()).matches("[0-9a-f]{64}");
    assertThat(a.scope()).isEqualTo(JobFingerprint.Scope.JOB);
    assertThat(a.differenceFrom(b)).isNull();
    assertThat(a.canonicalForm()).startsWith("framewise-fingerprint " + JobFingerprint.VERSION + " job\n");
  }

  @Test
  void everyOutputShapingOption_changesTheFingerprint_andTheDifferenceNamesIt() throws IOException {
    JobConfig b = base();
    JobFingerprint before = JobFingerprint.of(b);
    ModelSpec m = b.model();
    PipelineOptions o = b.options();
    record Change(String key, JobConfig config) {}
    List<Change> changes = List.of(
        new Change("resize", config(ModelSpec.builder(model).labelsFile(labels).resize(ResizeMode.FAST).build(), b.params(), o)),
        new Change("model.format", config(ModelSpec.builder(model).labelsFile(labels).format(ModelFormat.YOLOX).build(), b.params(), o)),
        new Change("model.input", config(ModelSpec.builder(model).labelsFile(labels).inputSize(320, 320).build(), b.params(), o)),
        new Change("model.name", config(ModelSpec.builder(model).labelsFile(labels).name("other").build(), b.params(), o)),
        new Change("model.labels", config(ModelSpec.builder(model).labels(List.of("a", "b")).build(), b.params(), o)),
        new Change("confidence", config(m, new DetectionParams(0.5, 0.45), o)),
        new Change("iou", config(m, new DetectionParams(0.25, 0.6), o)),
        new Change("frameStride", config(m, b.params(), with(o, f -> set(f, 5, 3)))),
        new Change("keyframesOnly", config(m, b.params(), with(o, f -> set(f, 6, true)))),
        new Change("chunk.duration", config(m, b.params(), with(o, f -> set(f, 1, Duration.ofSeconds(3))))),
        new Change("chunk.bytes", config(m, b.params(), with(o, f -> set(set(f, 1, null), 0, 1L << 20)))),
        new Change("adapter", new JobConfig(video, m, b.params(), new FfmpegDecoderProvider(), new NamedAdapter("other"), null, o)));
    for (Change c : changes) {
      JobFingerprint after = JobFingerprint.of(c.config());
      assertThat(after).as(c.key()).isNotEqualTo(before);
      assertThat(after.differenceFrom(before)).as(c.key()).startsWith(c.key() + ":");
    }
  }

  @Test
  void optionsThatCannotChangeTheOutput_leaveTheFingerprintAlone() throws IOException {
    JobConfig b = base();
    JobFingerprint before = JobFingerprint.of(b);
    PipelineOptions o = b.options();
    List<PipelineOptions> same = List.of(
        with(o, f -> set(f, 3, 1)), // parallelism
        with(o, f -> set(f, 3, 0)),
        with(o, f -> set(f, 4, 1)), // batch
        with(o, f -> set(f, 4, 0)),
        with(o, f -> set(f, 2, DataSize.ofMebibytes(256))), // memory budget
        with(o, f -> set(f, 7, tmp.resolve("elsewhere"))), // checkpoint directory
        with(o, f -> set(f, 7, null)));
    for (PipelineOptions p : same) {
      assertThat(JobFingerprint.of(config(b.model(), b.params(), p))).as("%s", p).isEqualTo(before);
    }
    JobConfig withListener = new JobConfig(video, b.model(), b.params(), b.decoder(), b.modelAdapter(), p -> {}, o);
    assertThat(JobFingerprint.of(withListener)).isEqualTo(before);
  }

  @Test
  void contentChanges_thatKeepSizeAndModificationTime_areSeen() throws IOException {
    JobFingerprint before = JobFingerprint.of(base());
    assertThat(changedInPlace(model, 4321)).isTrue();
    JobFingerprint afterModel = JobFingerprint.of(base());
    assertThat(afterModel.differenceFrom(before)).startsWith("model.sha256:");

    assertThat(changedInPlace(labels, 1)).isTrue();
    assertThat(JobFingerprint.of(base()).differenceFrom(afterModel)).startsWith("model.labelsFile.sha256:");

    JobFingerprint beforeInput = JobFingerprint.of(base());
    assertThat(changedInPlace(video, 10)).isTrue(); // in the first MiB
    JobFingerprint headChanged = JobFingerprint.of(base());
    assertThat(headChanged.differenceFrom(beforeInput)).startsWith("input.sampleSha256:");
    assertThat(changedInPlace(video, (3 << 20) - 10)).isTrue(); // in the last MiB
    assertThat(JobFingerprint.of(base()).differenceFrom(headChanged)).startsWith("input.sampleSha256:");
  }

  @Test
  void modelPart_isSharedWithTheJob_andIgnoresPerJobSettings() throws IOException {
    JobConfig b = base();
    JobFingerprint model = JobFingerprint.ofModel(b.model());
    assertThat(model.scope()).isEqualTo(JobFingerprint.Scope.MODEL);
    assertThat(JobFingerprint.ofModel(ModelSpec.builder(this.model).labelsFile(labels).resize(ResizeMode.FAST).build()))
        .as("the resize mode does not change a loaded session").isEqualTo(model);
    assertThat(JobFingerprint.of(b).fields()).containsAllEntriesOf(model.fields());
    JobFingerprint index = JobFingerprint.ofIndex(b.decoder(), video, b.options());
    assertThat(JobFingerprint.of(b).fields()).containsAllEntriesOf(index.fields());
    assertThat(index.fields()).doesNotContainKey("model.sha256").containsKey("chunk.duration");
  }

  @Test
  void canonicalForm_roundTrips_andTamperingIsRefused() throws Exception {
    JobFingerprint f = JobFingerprint.of(config(ModelSpec.builder(model).labels(List.of("a=b", "line\nbreak", "back\\slash")).build(),
        DetectionParams.DEFAULTS, PipelineOptions.DEFAULTS));
    assertThat(JobFingerprint.parse(f.canonicalForm())).isEqualTo(f);
    assertThat(JobFingerprint.parse(f.canonicalForm()).fields()).isEqualTo(f.fields());

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(f);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject()).isEqualTo(f);
    }

    String c = f.canonicalForm();
    assertThatThrownBy(() -> JobFingerprint.parse(c.replace(" 1 job", " 2 job"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JobFingerprint.parse(c.substring(0, c.length() - 1))).isInstanceOf(IllegalArgumentException.class);
    String[] lines = c.split("\n");
    String swapped = lines[0] + "\n" + lines[2] + "\n" + lines[1] + "\n" + String.join("\n", List.of(lines).subList(3, lines.length)) + "\n";
    assertThatThrownBy(() -> JobFingerprint.parse(swapped)).hasMessageContaining("ascending");
  }

  @Test
  void nonRegularFiles_areRefused_notRead() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("model-dir.onnx"));
    assertThatThrownBy(() -> JobFingerprint.ofModel(ModelSpec.of(dir))).isInstanceOf(IOException.class)
        .hasMessageContaining("not a regular file");
    assertThatThrownBy(() -> JobFingerprint.ofModel(ModelSpec.of(tmp.resolve("missing.onnx")))).isInstanceOf(IOException.class);
  }

  /** Changes one byte, then puts the modification time back: size and mtime say "unchanged". */
  private static boolean changedInPlace(Path file, int offset) throws IOException {
    FileTime mtime = Files.getLastModifiedTime(file);
    byte[] b = Files.readAllBytes(file);
    b[offset] ^= 0x5a;
    Files.write(file, b);
    Files.setLastModifiedTime(file, mtime);
    return Files.getLastModifiedTime(file).equals(mtime) && Files.size(file) == b.length;
  }

  private static Object[] set(Object[] f, int i, Object v) {
    Object[] copy = f.clone();
    copy[i] = v;
    return copy;
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  /** A provider that is never opened: only its name takes part in the fingerprint. */
  private record NamedAdapter(String name) implements ModelAdapterProvider {
    @Override
    public ModelAdapter open(ModelSpec spec) {
      throw new UnsupportedOperationException("not opened by these tests");
    }
  }
}
