package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.CorruptMediaException;
import io.framewise.DataSize;
import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.DetectorIOException;
import io.framewise.InvalidOutputException;
import io.framewise.ModelException;
import io.framewise.ModelSpec;
import io.framewise.Printable;
import io.framewise.VideoDetector;
import io.framewise.VideoDetectorException;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, sections 2 and 9 at the SDK level: nothing the caller gave is destroyed by the output
 * ({@link DetectionJob#writeJson(Path)} onto an input by any spelling or link, onto a directory, a
 * special file), the output is checked before any work, and output failures and messages name the
 * right file in printable form. Real FFmpeg and ONNX Runtime on a generated video and model.
 */
class HostileOutputTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FRAMES = 12;

  @TempDir static Path shared;
  private static Path videoSource;
  private static Path modelSource;

  @TempDir Path dir;
  private Path video;
  private Path model;
  private Path labels;

  @BeforeAll
  static void generate() {
    videoSource = SyntheticVideo.builder().frames(FRAMES).build().write(shared.resolve("clip.mp4"));
    modelSource = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("det.onnx"));
  }

  /** Fresh copies per test, so that a test that destroyed one would not hide it from the next. */
  @BeforeEach
  void copyInputs() throws IOException {
    video = Files.copy(videoSource, dir.resolve("clip.mp4"));
    model = Files.copy(modelSource, dir.resolve("det.onnx"));
    labels = Files.writeString(dir.resolve("labels.txt"), "red\ngreen\nblue\n");
  }

  // ---- output onto an input -------------------------------------------------------------------

  @Test
  void outputOntoTheVideo_anySpelling_isRefusedAndTheVideoIsUntouched() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Path cwdRelative = Path.of("").toAbsolutePath().relativize(video);
    List<Path> spellings = List.of(
        video,
        dir.resolve("./clip.mp4"),
        sub.resolve("../clip.mp4"),
        cwdRelative,
        Files.createSymbolicLink(dir.resolve("link-to-clip.mp4"), video),
        Files.createSymbolicLink(dir.resolve("relative-link.json"), Path.of("clip.mp4")),
        Files.createLink(dir.resolve("hardlink.json"), video));
    for (Path out : spellings) {
      refusedAndUntouched(out, "FW-501", "video", UnaryOperator.identity());
    }
  }

  @Test
  void outputOntoTheModel_orTheLabels_isRefused() throws IOException {
    refusedAndUntouched(model, "FW-501", "model", UnaryOperator.identity());
    refusedAndUntouched(Files.createSymbolicLink(dir.resolve("m.json"), model), "FW-501", "model", UnaryOperator.identity());
    refusedAndUntouched(Files.createLink(dir.resolve("m-hard.json"), model), "FW-501", "model", UnaryOperator.identity());
    refusedAndUntouched(labels, "FW-501", "labels file", UnaryOperator.identity());
    refusedAndUntouched(Files.createLink(dir.resolve("l-hard.json"), labels), "FW-501", "labels file", UnaryOperator.identity());
  }

  @Test
  void outputInTheCheckpointDirectory_isRefused() throws IOException {
    Path checkpoint = dir.resolve("ckpt");
    UnaryOperator<DetectionJob> withCheckpoint = j -> j.chunkSize(DataSize.ofBytes(4096)).checkpointDir(checkpoint);
    // not created yet: the output would land in it all the same
    refusedAndUntouched(checkpoint.resolve("out.json"), "FW-501", "checkpoint directory", withCheckpoint);
    Files.createDirectories(checkpoint);
    Path segment = Files.writeString(checkpoint.resolve("segment-000000.fws"), "journal");
    refusedAndUntouched(segment, "FW-501", "checkpoint directory", withCheckpoint);
    refusedAndUntouched(checkpoint, "FW-501", "checkpoint directory", withCheckpoint);
    refusedAndUntouched(Files.createSymbolicLink(dir.resolve("into-ckpt"), checkpoint).resolve("job.properties"),
        "FW-501", "checkpoint directory", withCheckpoint);
    assertThat(Files.readString(segment)).isEqualTo("journal");
  }

  // ---- the output's kind, checked before any work ----------------------------------------------

  @Test
  void outputThatIsADirectory_isRefusedBeforeTheVideoIsOpened() throws IOException {
    Path out = Files.createDirectory(dir.resolve("out.json"));
    // The video does not exist: had anything been read first, this would be FW-100 about the video.
    InvalidOutputException e = refused(VideoDetector.open(dir.resolve("missing.mp4")).model(model), out, "FW-502");
    assertThat(e.getMessage()).contains("directory");
    assertThat(out).isEmptyDirectory();
  }

  @Test
  void outputUnderAFile_isRefusedBeforeTheVideoIsOpened() throws IOException {
    Path notADir = Files.writeString(dir.resolve("notes.txt"), "keep me");
    InvalidOutputException e = refused(VideoDetector.open(dir.resolve("missing.mp4")).model(model),
        notADir.resolve("deeper/out.json"), "FW-503");
    assertThat(e.getMessage()).contains("notes.txt").contains("not a directory");
    assertThat(Files.readString(notADir)).isEqualTo("keep me");
  }

  @Test
  void missingParentFolders_areCreated_andRemovedAgainWhenTheJobFails() throws IOException {
    Path out = dir.resolve("a/b/out.json");
    DetectionSummary summary = VideoDetector.open(video).model(model).writeJson(out);
    assertThat(summary.complete()).isTrue();
    assertThat(JSON.readTree(out.toFile()).path("frames")).hasSize(FRAMES);

    Path failedOut = dir.resolve("c/d/out.json");
    CorruptMediaException e = catchThrowableOfType(
        () -> VideoDetector.open(dir.resolve("missing.mp4")).model(model).writeJson(failedOut), CorruptMediaException.class);
    assertThat(e.code()).isEqualTo("FW-100");
    assertThat(dir.resolve("c")).doesNotExist(); // what the failed job created is gone, nothing looks finished
  }

  @Test
  void characterDevice_isWrittenThrough_notReplaced() throws IOException {
    Path devNull = Path.of("/dev/null");
    assumeTrue(Files.exists(devNull), "no /dev/null here");
    Object before = Files.readAttributes(devNull, "unix:mode").get("mode");
    assertThat(VideoDetector.open(video).model(model).writeJson(devNull).complete()).isTrue();
    assertThat(Files.isRegularFile(devNull)).isFalse();
    assertThat(Files.readAttributes(devNull, "unix:mode").get("mode")).isEqualTo(before);

    Path link = Files.createSymbolicLink(dir.resolve("null.json"), devNull);
    assertThat(VideoDetector.open(video).model(model).writeJson(link).complete()).isTrue();
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(devNull);
    assertNoLeftovers(dir, "clip.mp4", "det.onnx", "labels.txt", "null.json");
  }

  @Test
  void fifo_isWrittenThrough_andTheReaderGetsTheWholeDocument() throws Exception {
    Path fifo = dir.resolve("out.fifo");
    assumeTrue(mkfifo(fifo), "mkfifo is not available");
    CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
      try (InputStream in = Files.newInputStream(fifo)) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    DetectionSummary summary = VideoDetector.open(video).model(model).writeJson(fifo);
    byte[] received = reader.get(30, TimeUnit.SECONDS);
    assertThat(summary.complete()).isTrue();
    assertThat(JSON.readTree(received).path("frames")).hasSize(FRAMES);
    assertThat(Files.isRegularFile(fifo, LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(Files.isDirectory(fifo)).isFalse();
    assertThat(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(((Integer) Files.getAttribute(fifo, "unix:mode")) & 0170000).isEqualTo(0010000); // still a FIFO
  }

  @Test
  void linkToDevStdout_sendsTheJsonToStdout_toAPipeOrAppendedToAFile() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/stdout")) && Files.isDirectory(Path.of("/proc/self/fd")), "no /dev/stdout here");
    Path link = Files.createSymbolicLink(dir.resolve("stdout.json"), Path.of("/dev/stdout"));
    // stdout is a pipe: the JSON arrives through it
    byte[] piped = child(link, ProcessBuilder.Redirect.PIPE);
    assertThat(JSON.readTree(piped).path("frames")).hasSize(FRAMES);
    // stdout is a file opened with >>: the JSON is appended, what was there stays
    Path log = Files.writeString(dir.resolve("log.txt"), "earlier line\n");
    child(link, ProcessBuilder.Redirect.appendTo(log.toFile()));
    String logged = Files.readString(log);
    assertThat(logged).startsWith("earlier line\n");
    assertThat(JSON.readTree(logged.substring("earlier line\n".length())).path("frames")).hasSize(FRAMES);
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("/dev/stdout"));
  }

  /** Runs {@link StdoutChild} onto {@code out} with its stdout sent to {@code stdout}; returns what it piped. */
  private byte[] child(Path out, ProcessBuilder.Redirect stdout) throws Exception {
    Path childErr = dir.resolve("child.err");
    ProcessBuilder launch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        StdoutChild.class.getName(), video.toString(), model.toString(), out.toString())
        .redirectOutput(stdout).redirectError(childErr.toFile());
    // the class path in CLASSPATH, as ResumeTest does: ONNX Runtime chokes on a long command line
    launch.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    Process p = launch.start();
    byte[] piped = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(childErr)).isZero();
    Files.delete(childErr);
    return piped;
  }

  @Test
  void symlinkToARegularFile_replacesTheFileAndKeepsTheLink() throws IOException {
    Path real = Files.writeString(dir.resolve("real.json"), "old");
    Path link = Files.createSymbolicLink(dir.resolve("link.json"), real.getFileName());
    assertThat(VideoDetector.open(video).model(model).writeJson(link).complete()).isTrue();
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(JSON.readTree(real.toFile()).path("frames")).hasSize(FRAMES);
  }

  @Test
  void danglingSymlink_andSocket_areRefusedAndKeepTheirKind() throws IOException {
    Path dangling = Files.createSymbolicLink(dir.resolve("dangling.json"), dir.resolve("nowhere/x.json"));
    refused(VideoDetector.open(video).model(model), dangling, "FW-504");
    assertThat(Files.isSymbolicLink(dangling)).isTrue();

    Path socket = Path.of("/tmp", "fw-hostile-" + ProcessHandle.current().pid() + ".sock"); // socket paths are short
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      InvalidOutputException e = refused(VideoDetector.open(video).model(model), socket, "FW-504");
      assertThat(e.getMessage()).contains("socket");
      assertThat(((Integer) Files.getAttribute(socket, "unix:mode")) & 0170000).isEqualTo(0140000);
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  // ---- section 9: messages ----------------------------------------------------------------------

  @Test
  void fullDevice_namesTheOutputFileAndWhy() {
    Path full = Path.of("/dev/full");
    assumeTrue(Files.exists(full), "no /dev/full here");
    for (UnaryOperator<DetectionJob> options : List.<UnaryOperator<DetectionJob>>of(
        UnaryOperator.identity(), j -> j.parallelism(1), j -> j.chunkSize(DataSize.ofBytes(4096)))) {
      DetectorIOException e = catchThrowableOfType(
          () -> options.apply(VideoDetector.open(video).model(model)).writeJson(full), DetectorIOException.class);
      assertThat(e).isNotNull();
      assertThat(e.code()).isEqualTo("FW-500");
      assertThat(e.path()).isEqualTo(full);
      assertThat(e.getMessage()).startsWith("/dev/full: cannot write the JSON").contains("No space left on device")
          .doesNotContain("clip.mp4");
    }
  }

  @Test
  void fullDisk_onAStream_saysTheOutputFailed_notTheVideo() {
    for (UnaryOperator<DetectionJob> options : List.<UnaryOperator<DetectionJob>>of(
        UnaryOperator.identity(), j -> j.parallelism(1), j -> j.chunkSize(DataSize.ofBytes(4096)))) {
      DetectorIOException e = catchThrowableOfType(
          () -> options.apply(VideoDetector.open(video).model(model)).writeJson(new FullDiskStream(500)), DetectorIOException.class);
      assertThat(e).isNotNull();
      assertThat(e.code()).isEqualTo("FW-500");
      assertThat(e.getMessage()).isEqualTo("cannot write the JSON to the output stream: No space left on device (FW-500)");
      assertThat(e.getCause()).hasMessage("No space left on device");
    }
  }

  @Test
  void unwritableFolder_isAnIoErrorBeforeAnyWork_sayingWhy() throws IOException {
    assertThat(new DetectorIOException(Path.of("out.json"), "cannot create a temporary file beside the output",
        new java.nio.file.AccessDeniedException("/d/.out.json.1.part")).getMessage())
        .isEqualTo("out.json: cannot create a temporary file beside the output: /d/.out.json.1.part: permission denied (FW-500)");
    Path readOnly = Files.createDirectory(dir.resolve("ro"));
    assumeTrue(readOnly.toFile().setWritable(false, false) && !Files.isWritable(readOnly), "root may write anywhere");
    try {
      Path out = readOnly.resolve("out.json");
      // the video does not exist: reading it first would have been FW-100
      DetectorIOException e = catchThrowableOfType(
          () -> VideoDetector.open(dir.resolve("missing.mp4")).model(model).writeJson(out), DetectorIOException.class);
      assertThat(e.code()).isEqualTo("FW-500");
      assertThat(e.getMessage()).startsWith(out + ": ").contains("permission denied");
    } finally {
      readOnly.toFile().setWritable(true, false);
    }
  }

  @Test
  void controlCharactersInFileNames_areEscapedInMessages() throws IOException {
    // ASCII controls only in real names: a non-ASCII name cannot be encoded under a POSIX locale
    String evil = "evil\n\r\t\u001b[31mred.mp4";
    Path missing = dir.resolve(evil);
    CorruptMediaException e = catchThrowableOfType(
        () -> VideoDetector.open(missing).model(model).writeJson(new ByteArrayOutputStream()), CorruptMediaException.class);
    assertThat(e.getMessage()).contains("evil\\n\\r\\t\\x1b[31mred.mp4").doesNotContain("\n").doesNotContain("\u001b")
        .endsWith("(FW-100)");
    assertThat(e.path()).isEqualTo(missing); // the path itself stays exact

    Path out = Files.createDirectory(dir.resolve("out\u0007\u007f.json"));
    InvalidOutputException o = refused(VideoDetector.open(video).model(model), out, "FW-502");
    assertThat(o.getMessage()).contains("out\\x07\\x7f.json").doesNotContain("\u0007").doesNotContain("\u007f");

    assertThat(Printable.escape("a\u009bb\u202ec\u2028d\u2066e")).isEqualTo("a\\x9bb\\u202ec\\u2028d\\u2066e");
    assertThat(Printable.escape("plain C:\\dir\\\u00fc.mp4")).isEqualTo("plain C:\\dir\\\u00fc.mp4");
  }

  @Test
  void labelsFileThatIsNotUtf8_isFw203NamingTheFile() throws IOException {
    Path latin1 = Files.write(dir.resolve("labels-latin1.txt"), "rot\ngr\u00fcn\nblau\n".getBytes(StandardCharsets.ISO_8859_1));
    Path out = dir.resolve("out.json");
    ModelException e = catchThrowableOfType(
        () -> VideoDetector.open(video).model(ModelSpec.builder(model).labelsFile(latin1).build()).writeJson(out),
        ModelException.class);
    assertThat(e.code()).isEqualTo("FW-203");
    assertThat(e.path()).isEqualTo(latin1);
    assertThat(e.getMessage()).contains("labels-latin1.txt").contains("not UTF-8").doesNotContain("Input length");
    assertThat(out).doesNotExist();
    assertNoLeftovers(dir, "clip.mp4", "det.onnx", "labels.txt", "labels-latin1.txt");
  }

  @Test
  void labelsFileWithAByteOrderMark_readsTheFirstLabelClean() throws IOException {
    Path bom = Files.writeString(dir.resolve("bom.txt"), "\uFEFFrot\ngruen\nblau\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    VideoDetector.open(video).model(ModelSpec.builder(model).labelsFile(bom).build()).writeJson(out);
    assertThat(JSON.readTree(out.toByteArray()).path("model").path("labels").toString()).isEqualTo("[\"rot\",\"gruen\",\"blau\"]");
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Runs the job onto {@code out}: refused with {@code code}, naming the output and {@code role}; inputs unchanged. */
  private void refusedAndUntouched(Path out, String code, String role, UnaryOperator<DetectionJob> options) throws IOException {
    String[] before = {sha256(video), sha256(model), sha256(labels)};
    List<Path> listing = listing(dir);
    InvalidOutputException e = refused(options.apply(
        VideoDetector.open(video).model(ModelSpec.builder(model).labelsFile(labels).build())), out, code);
    assertThat(e.getMessage()).as("%s", out).contains(role);
    assertThat(new String[] {sha256(video), sha256(model), sha256(labels)}).as("inputs after --out %s", out).isEqualTo(before);
    assertThat(listing(dir)).as("nothing created or removed for %s", out).isEqualTo(listing);
  }

  private static InvalidOutputException refused(DetectionJob job, Path out, String code) {
    InvalidOutputException e = catchThrowableOfType(() -> job.writeJson(out), InvalidOutputException.class);
    assertThat(e).as("writeJson(%s) is refused", out).isNotNull();
    assertThat(e).isInstanceOf(VideoDetectorException.class);
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.path()).isEqualTo(out);
    assertThat(e.getMessage()).startsWith(Printable.escape(out) + ": ").endsWith("(" + code + ")");
    return e;
  }

  private static List<Path> listing(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.sorted().toList();
    }
  }

  private static void assertNoLeftovers(Path root, String... expected) throws IOException {
    try (Stream<Path> files = Files.list(root)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(expected);
    }
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean mkfifo(Path fifo) {
    try {
      Process p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.exists(fifo);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
