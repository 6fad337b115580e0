package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.framewise.DataSize;
import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.DetectorIOException;
import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.ResizeMode;
import io.framewise.VideoDetector;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.gpu.ResumeChild.CountingProvider;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoIndex;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile checkpoints (issue 8, section 6): a checkpoint is reused only by the same job (one
 * fingerprint over every output-shaping option, the model's content and the input's identity), never
 * by a job that would write other bytes; a damaged or foreign segment file is discarded with a WARN
 * and recomputed, never trusted and never an OutOfMemoryError; a checkpoint directory that cannot be
 * used is refused before any decoding with a typed error naming the directory and the reason.
 *
 * <p>Every case starts from a real checkpoint: a job whose output fails at its last byte, after all
 * of its segments were committed.
 */
class HostileCheckpointTest {

  private static final Duration CHUNK = Duration.ofSeconds(2);
  /** 5 segments of 20 frames (2 s at 10 fps, a key frame every 10). */
  private static final int FRAMES = 100;

  @TempDir static Path shared;
  static Fixture base;

  @TempDir Path tmp;

  /** A model, labels file and video, the uninterrupted run's JSON and a checkpoint holding every segment. */
  record Fixture(Path model, Path labels, Path video, Path checkpoint, byte[] reference) {

    static Fixture create(Path dir) throws IOException {
      Path model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).dynamicBatch(true).build().write(dir.resolve("model.onnx"));
      Path labels = Files.writeString(dir.resolve("labels.txt"), String.join("\n", SyntheticDetector.LABELS) + "\n");
      Path video = SyntheticVideo.builder().size(640, 384).frames(FRAMES).gopSize(10).build().write(dir.resolve("src.mp4"));
      Fixture f = new Fixture(model, labels, video, dir.resolve("checkpoint"), new byte[0]);
      byte[] reference = f.fresh(UnaryOperator.identity(), opts(j -> j), new CountingProvider());
      DetectorIOException e = catchThrowableOfType(
          () -> f.job(new CountingProvider(), UnaryOperator.identity(), opts(j -> j)).checkpointDir(f.checkpoint())
              .writeJson(new FullDiskStream(reference.length - 1)),
          DetectorIOException.class);
      assertThat(e).as("the output fails at its last byte").isNotNull();
      assertThat(segmentsIn(f.checkpoint())).as("segments committed before the output failed").hasSize(5);
      return new Fixture(model, labels, video, f.checkpoint(), reference);
    }

    /** The job: this model with these labels, then the variant's options. */
    DetectionJob job(CountingProvider adapter, UnaryOperator<ModelSpec.Builder> spec, Function<DetectionJob, DetectionJob> options) {
      ModelSpec s = spec.apply(ModelSpec.builder(model).labelsFile(labels)).build();
      DetectionJob j = VideoDetector.open(video).model(s).modelAdapter(adapter);
      return options.apply(j);
    }

    /** The same job without a checkpoint: what a resumed run must write. */
    byte[] fresh(UnaryOperator<ModelSpec.Builder> spec, Function<DetectionJob, DetectionJob> options, CountingProvider counting) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      DetectionSummary s = job(counting, spec, options).writeJson(out);
      assertThat(s.complete()).isTrue();
      return out.toByteArray();
    }

    /** A copy of the checkpoint, to damage or resume without touching the original. */
    Path copyCheckpoint(Path to) throws IOException {
      Files.createDirectories(to);
      try (Stream<Path> files = Files.list(checkpoint)) {
        for (Path p : files.toList()) {
          Files.copy(p, to.resolve(p.getFileName()));
        }
      }
      return to;
    }
  }

  @BeforeAll
  static void createBase() throws IOException {
    base = Fixture.create(shared);
  }

  // ---- one identity: each output-shaping option changes it ----

  static Stream<Arguments> outputShapingChanges() {
    UnaryOperator<ModelSpec.Builder> same = UnaryOperator.identity();
    return Stream.of(
        Arguments.of("resize fast", (UnaryOperator<ModelSpec.Builder>) b -> b.resize(ResizeMode.FAST), opts(j -> j)),
        Arguments.of("format yolov8 (explicit)", (UnaryOperator<ModelSpec.Builder>) b -> b.format(ModelFormat.YOLOV8), opts(j -> j)),
        Arguments.of("model name", (UnaryOperator<ModelSpec.Builder>) b -> b.name("renamed"), opts(j -> j)),
        Arguments.of("confidence 0.6", same, opts(j -> j.confidence(0.6))),
        Arguments.of("iou 0.9", same, opts(j -> j.iou(0.9))),
        Arguments.of("frame stride 3", same, opts(j -> j.frameStride(3))),
        Arguments.of("keyframes only", same, opts(DetectionJob::keyframesOnly)),
        Arguments.of("chunk 3 s", same, (Function<DetectionJob, DetectionJob>) j -> j.chunkSize(Duration.ofSeconds(3)).parallelism(1)));
  }

  /** 2 s chunks, one worker, then {@code change}. */
  private static Function<DetectionJob, DetectionJob> opts(UnaryOperator<DetectionJob> change) {
    return j -> change.apply(j.chunkSize(CHUNK).parallelism(1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("outputShapingChanges")
  void changedOutputShapingOption_doesNotReuseTheCheckpoint(String name, UnaryOperator<ModelSpec.Builder> spec,
      Function<DetectionJob, DetectionJob> options) throws IOException {
    CountingProvider freshCount = new CountingProvider();
    byte[] expected = base.fresh(spec, options, freshCount);
    Path checkpoint = base.copyCheckpoint(tmp.resolve("checkpoint"));

    CountingProvider resumedCount = new CountingProvider();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String log = stderrOf(() -> base.job(resumedCount, spec, options).checkpointDir(checkpoint).writeJson(out));

    assertThat(out.toByteArray()).as("%s: resumed output vs a fresh run with that option", name).isEqualTo(expected);
    assertThat(resumedCount.frames()).as("%s: frames inferred (every one: nothing reused)", name).isEqualTo(freshCount.frames())
        .isPositive();
    assertThat(log).as("%s: the log says why the checkpoint was discarded", name).contains("is not for this job");
    assertThat(segmentsIn(checkpoint)).isEmpty();
  }

  @Test
  void changedParallelismBatchOrBudget_reusesTheCheckpoint() throws IOException {
    List<Function<DetectionJob, DetectionJob>> sameJob = List.of(
        j -> j.chunkSize(CHUNK).parallelism(2),
        j -> j.chunkSize(CHUNK).parallelism(1).batchSize(4),
        j -> j.chunkSize(CHUNK).parallelism(1).maxHeap(DataSize.ofGibibytes(1)));
    for (int i = 0; i < sameJob.size(); i++) {
      Path checkpoint = base.copyCheckpoint(tmp.resolve("checkpoint-" + i));
      CountingProvider counting = new CountingProvider();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      DetectionSummary s = base.job(counting, UnaryOperator.identity(), sameJob.get(i)).checkpointDir(checkpoint).writeJson(out);
      assertThat(out.toByteArray()).as("variant %d: resumed output vs the uninterrupted run", i).isEqualTo(base.reference());
      assertThat(s.complete()).isTrue();
      assertThat(counting.frames()).as("variant %d: frames inferred again (none: every segment reused)", i).isZero();
    }
  }

  @Test
  void changedModelContent_withSameSizeAndModificationTime_doesNotReuseTheCheckpoint() throws IOException {
    Fixture own = Fixture.create(tmp);
    byte[] other = SyntheticDetector.builder(SyntheticFamily.YOLOV8).dynamicBatch(true).cell(32).build().toBytes();
    replaceKeepingModificationTime(own.model(), other);
    assertContentChangeIsNotReused(own, "model.sha256");
  }

  @Test
  void changedLabelsContent_withSameSizeAndModificationTime_doesNotReuseTheCheckpoint() throws IOException {
    Fixture own = Fixture.create(tmp);
    String swapped = String.join("\n", SyntheticDetector.LABELS.get(2), SyntheticDetector.LABELS.get(1), SyntheticDetector.LABELS.get(0));
    byte[] labels = (swapped + "\n").getBytes(StandardCharsets.UTF_8);
    assertThat(labels).hasSameSizeAs(Files.readAllBytes(own.labels()));
    replaceKeepingModificationTime(own.labels(), labels);
    assertContentChangeIsNotReused(own, "model.labelsFile.sha256");
  }

  private static void assertContentChangeIsNotReused(Fixture own, String field) throws IOException {
    CountingProvider freshCount = new CountingProvider();
    byte[] expected = own.fresh(UnaryOperator.identity(), opts(j -> j), freshCount);
    CountingProvider counting = new CountingProvider();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String log = stderrOf(() -> own.job(counting, UnaryOperator.identity(), opts(j -> j)).checkpointDir(own.checkpoint()).writeJson(out));
    assertThat(out.toByteArray()).isEqualTo(expected);
    assertThat(counting.frames()).as("frames inferred after the %s changed", field).isEqualTo(FRAMES);
    assertThat(log).contains("is not for this job (" + field + ":");
  }

  // ---- segment files that cannot be poisoned ----

  /** Where the parts of a real segment file lie (its layout is in docs/design/0002-chunked-pipeline.md). */
  record Layout(int fingerprintAt, int segmentAt, int countAt, int boxAt, int trailerAt, int digestAt) {

    static Layout of(byte[] b) {
      ByteBuffer in = ByteBuffer.wrap(b);
      assertThat(in.getInt()).as("magic").isEqualTo(0x46575332);
      int fingerprintBytes = Short.toUnsignedInt(in.getShort());
      int fingerprintAt = in.position();
      in.position(fingerprintAt + fingerprintBytes);
      int segmentAt = in.position();
      in.position(segmentAt + 4 + 8 + 8);
      int countAt = -1;
      int boxAt = -1;
      while (true) {
        long id = in.getLong();
        if (id == -1) {
          break;
        }
        in.getDouble();
        int at = in.position();
        int n = in.getInt();
        for (int i = 0; i < n; i++) {
          in.getInt();
          int labelBytes = Short.toUnsignedInt(in.getShort());
          in.position(in.position() + labelBytes);
          in.getDouble();
          if (countAt < 0) {
            countAt = at;
            boxAt = in.position();
          }
          in.position(in.position() + 32);
        }
      }
      assertThat(countAt).as("the segment holds a detection").isPositive();
      return new Layout(fingerprintAt, segmentAt, countAt, boxAt, in.position(), b.length - 32);
    }
  }

  static Stream<Arguments> damage() {
    return Stream.of(
        Arguments.of("header: fingerprint", (Damage) (b, l) -> b[l.fingerprintAt() + 10] ^= 0x01),
        Arguments.of("header: segment id", (Damage) (b, l) -> b[l.segmentAt() + 3] ^= 0x01),
        Arguments.of("detection count (2^31-1)", (Damage) (b, l) -> ByteBuffer.wrap(b).putInt(l.countAt(), Integer.MAX_VALUE)),
        Arguments.of("detection count (+1)", (Damage) (b, l) -> b[l.countAt() + 3] += 1),
        // a low mantissa byte of x1: still a valid box, only a little off, so only the checksum can tell
        Arguments.of("box float", (Damage) (b, l) -> b[l.boxAt() + 5] ^= 0x10),
        Arguments.of("trailer count", (Damage) (b, l) -> b[l.trailerAt() + 7] ^= 0x01),
        Arguments.of("checksum", (Damage) (b, l) -> b[l.digestAt() + 5] ^= 0x01));
  }

  /** Changes the bytes of a segment file in place. */
  interface Damage {
    void apply(byte[] bytes, Layout layout);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("damage")
  void damagedSegmentFile_isDiscardedWithAWarn_andRecomputed(String name, Damage damage) throws IOException {
    Path checkpoint = base.copyCheckpoint(tmp.resolve("checkpoint"));
    Path file = checkpoint.resolve("segment-000002.fws");
    byte[] b = Files.readAllBytes(file);
    damage.apply(b, Layout.of(b));
    Files.write(file, b);
    assertResumeRecomputesSegment2(checkpoint, name);
  }

  @Test
  void truncatedSegmentFile_isDiscardedWithAWarn_andRecomputed() throws IOException {
    Path checkpoint = base.copyCheckpoint(tmp.resolve("checkpoint"));
    Path file = checkpoint.resolve("segment-000002.fws");
    byte[] b = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(b, b.length - 40));
    assertResumeRecomputesSegment2(checkpoint, "truncated");
  }

  @Test
  void anotherSegmentsFile_underThisSegmentsName_isDiscardedWithAWarn_andRecomputed() throws IOException {
    Path checkpoint = base.copyCheckpoint(tmp.resolve("checkpoint"));
    Files.copy(checkpoint.resolve("segment-000001.fws"), checkpoint.resolve("segment-000002.fws"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertResumeRecomputesSegment2(checkpoint, "segment 1's file as segment 2");
  }

  @Test
  void anotherJobsSegmentFile_withThisJobsJournal_isDiscardedWithAWarn_andRecomputed() throws IOException {
    // A checkpoint of the same input with another confidence: its segment 2 file, planted into ours.
    Path foreign = tmp.resolve("foreign");
    byte[] reference = base.fresh(UnaryOperator.identity(), opts(j -> j.confidence(0.6)), new CountingProvider());
    catchThrowableOfType(() -> base.job(new CountingProvider(), UnaryOperator.identity(), opts(j -> j.confidence(0.6)))
        .checkpointDir(foreign).writeJson(new FullDiskStream(reference.length - 1)), DetectorIOException.class);
    assertThat(foreign.resolve("segment-000002.fws")).exists();
    Path checkpoint = base.copyCheckpoint(tmp.resolve("checkpoint"));
    Files.copy(foreign.resolve("segment-000002.fws"), checkpoint.resolve("segment-000002.fws"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertResumeRecomputesSegment2(checkpoint, "another job's segment 2");
  }

  private static void assertResumeRecomputesSegment2(Path checkpoint, String name) throws IOException {
    VideoIndex index = new FfmpegDecoderProvider().index(base.video(), new PipelineOptions(0, CHUNK, null, 1, 0, 1, false, null));
    long segment2 = index.segments().get(2).frameCount();
    CountingProvider counting = new CountingProvider();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary[] summary = new DetectionSummary[1];
    String log = stderrOf(() -> summary[0] = base.job(counting, UnaryOperator.identity(), opts(j -> j)).checkpointDir(checkpoint)
        .writeJson(out));
    assertThat(out.toByteArray()).as("%s: resumed output vs the uninterrupted run", name).isEqualTo(base.reference());
    assertThat(summary[0].complete()).isTrue();
    assertThat(counting.frames()).as("%s: frames inferred again (segment 2 only)", name).isEqualTo(segment2);
    assertThat(log).as("%s: a WARN names the file and says it is recomputed", name)
        .containsPattern("WARN .*segment-000002\\.fws is damaged or not this job's \\(.+\\); discarding it and recomputing segment 2");
    assertThat(segmentsIn(checkpoint)).isEmpty();
  }

  // ---- a checkpoint directory that cannot be used ----

  @Test
  void checkpointDir_thatIsARegularFile_isRefusedBeforeDecoding_namingDirectoryAndReason() throws IOException {
    Path file = Files.writeString(tmp.resolve("cp"), "user data");
    DetectorIOException e = refused(file);
    assertThat(e.code()).isEqualTo("FW-600");
    assertThat(e).hasMessageContaining(file.toString()).hasMessageContaining("src.mp4")
        .hasMessageContaining("it is a regular file, not a directory").hasMessageEndingWith("(FW-600)");
    assertThat(Files.readString(file)).as("the file is left alone").isEqualTo("user data");
  }

  @Test
  void checkpointDir_underARegularFile_isRefusedBeforeDecoding_namingDirectoryAndReason() throws IOException {
    Path file = Files.writeString(tmp.resolve("plain"), "user data");
    Path dir = file.resolve("checkpoint");
    DetectorIOException e = refused(dir);
    assertThat(e.code()).isEqualTo("FW-600");
    assertThat(e).hasMessageContaining(dir.toString())
        .hasMessageContaining("it cannot be created because " + file + " is a regular file, not a directory");
  }

  @Test
  void checkpointDir_thatIsABrokenLink_isRefusedBeforeDecoding_namingDirectoryAndReason() throws IOException {
    Path link = Files.createSymbolicLink(tmp.resolve("cp-link"), tmp.resolve("nowhere"));
    DetectorIOException e = refused(link);
    assertThat(e.code()).isEqualTo("FW-600");
    assertThat(e).hasMessageContaining(link.toString()).hasMessageContaining("it is a broken symbolic link, not a directory");
    assertThat(tmp.resolve("nowhere")).as("nothing created through the link").doesNotExist();
  }

  @Test
  void checkpointDir_notWritable_isRefusedBeforeDecoding_namingDirectoryAndReason() throws IOException {
    Path readOnly;
    if (!"root".equals(System.getProperty("user.name")) && Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
      readOnly = Files.createDirectory(tmp.resolve("read-only"));
      Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
    } else {
      // As root permissions do not stop writes; sysfs refuses new files even to root.
      readOnly = Path.of("/sys");
      assumeTrue(Files.isDirectory(readOnly) && !canCreateIn(readOnly),
          "running as root without a read-only directory (/sys) to test with: skipping the not-writable case");
    }
    DetectorIOException e = refused(readOnly);
    assertThat(e.code()).isEqualTo("FW-601");
    assertThat(e).hasMessageContaining(readOnly.toString()).hasMessageContaining("it is not writable: ");

    Path missing = readOnly.resolve("framewise-checkpoint");
    DetectorIOException created = refused(missing);
    assertThat(created.code()).isEqualTo("FW-601");
    assertThat(created).hasMessageContaining(missing.toString()).hasMessageContaining("it cannot be created: ");
  }

  /** Runs the job into a file with {@code dir} as checkpoint directory; asserts it failed before any work. */
  private DetectorIOException refused(Path dir) {
    CountingProvider counting = new CountingProvider();
    Path out = tmp.resolve("out.json");
    DetectorIOException e = catchThrowableOfType(
        () -> base.job(counting, UnaryOperator.identity(), opts(j -> j)).checkpointDir(dir).writeJson(out), DetectorIOException.class);
    assertThat(e).as("refused: %s", dir).isNotNull();
    assertThat(e.path()).isEqualTo(dir);
    assertThat(counting.frames()).as("frames inferred").isZero();
    assertThat(out).as("no output").doesNotExist();
    System.out.println("refused checkpoint dir: " + e.getMessage());
    return e;
  }

  private static boolean canCreateIn(Path dir) {
    try {
      Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  // ---- helpers ----

  private static void replaceKeepingModificationTime(Path file, byte[] content) throws IOException {
    FileTime mtime = Files.getLastModifiedTime(file);
    Files.write(file, content);
    Files.setLastModifiedTime(file, mtime);
  }

  /** Runs {@code r} and returns what was written to standard error meanwhile (slf4j-simple's log), still echoing it. */
  private static synchronized String stderrOf(Runnable r) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream tee = new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        original.write(b);
        captured.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        original.write(b, off, len);
        captured.write(b, off, len);
      }
    }, true, StandardCharsets.UTF_8);
    System.setErr(tee);
    try {
      r.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private static Set<Integer> segmentsIn(Path dir) throws IOException {
    Set<Integer> found = new TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return found;
    }
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.matches("segment-\\d{6}\\.fws"))
          .forEach(n -> found.add(Integer.parseInt(n.substring(8, 14))));
    }
    return found;
  }
}
