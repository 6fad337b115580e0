package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.framewise.CorruptMediaException;
import io.framewise.DetectionJob;
import io.framewise.InvalidOutputException;
import io.framewise.JobCancelledException;
import io.framewise.VideoDetector;
import io.framewise.VideoDetectorException;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, at the seams between the merged parts (output checks, cancellation, remote input, the
 * native-library cache): each test is a case an adversarial review found broken. Real FFmpeg and ONNX
 * Runtime on a generated video and model.
 */
class HostileSeamsTest {

  @TempDir static Path shared;
  private static Path video;
  private static Path model;

  @TempDir Path dir;

  @BeforeAll
  static void generate() {
    video = SyntheticVideo.builder().frames(12).build().write(shared.resolve("clip.mp4"));
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("det.onnx"));
  }

  /** A FIFO nobody reads: the job waited in open(2) forever, and cancel() could not reach it (the CLI took 25 s on SIGTERM). */
  @Test
  void fifoOutputWithoutReader_cancel_stopsAtOnceAndTheFifoStays() throws Exception {
    Path fifo = dir.resolve("out.fifo");
    assumeTrue(HostileOutputTest.mkfifo(fifo), "mkfifo is not available");
    DetectionJob job = VideoDetector.open(video).model(model);
    CompletableFuture<Throwable> ending = CompletableFuture.supplyAsync(() -> catchThrowable(() -> job.writeJson(fifo)));
    Thread.sleep(1000); // the job waits for a reader of the FIFO
    assertThat(ending).as("no reader yet: the job waits").isNotDone();
    long cancelled = System.nanoTime();
    job.cancel();
    Throwable e = ending.get(5, TimeUnit.SECONDS);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelled)).as("stopped within a second").isLessThan(1000);
    assertThat(e).isInstanceOf(JobCancelledException.class);
    assertThat(((VideoDetectorException) e).code()).isEqualTo("FW-700");
    assertThat(e.getMessage()).contains("clip.mp4").contains("cancelled");
    assertThat(unixType(fifo)).as("the FIFO is still a FIFO, not replaced").isEqualTo(0010000);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("out.fifo");
    }
  }

  /** The same wait ended by an interrupt ({@code Future.cancel(true)}) instead of cancel(). */
  @Test
  void fifoOutputWithoutReader_interrupt_stopsAtOnce() throws Exception {
    Path fifo = dir.resolve("out.fifo");
    assumeTrue(HostileOutputTest.mkfifo(fifo), "mkfifo is not available");
    CompletableFuture<Throwable> ending = new CompletableFuture<>();
    Thread runner = new Thread(() -> ending.complete(catchThrowable(
        () -> VideoDetector.open(video).model(model).writeJson(fifo))), "seams-fifo-runner");
    runner.start();
    Thread.sleep(1000);
    assertThat(ending).isNotDone();
    runner.interrupt();
    Throwable e = ending.get(5, TimeUnit.SECONDS);
    assertThat(e).isInstanceOf(JobCancelledException.class);
    assertThat(((VideoDetectorException) e).code()).isEqualTo("FW-700");
    runner.join(5000);
    assertThat(unixType(fifo)).isEqualTo(0010000);
  }

  /** A reader that comes later still gets the whole document: the helper thread changes nothing there. */
  @Test
  void fifoOutput_readerComesLate_getsTheWholeDocument() throws Exception {
    Path fifo = dir.resolve("out.fifo");
    assumeTrue(HostileOutputTest.mkfifo(fifo), "mkfifo is not available");
    Future<Boolean> run = CompletableFuture.supplyAsync(() -> VideoDetector.open(video).model(model).writeJson(fifo).complete());
    Thread.sleep(500);
    String json;
    try (InputStream in = Files.newInputStream(fifo)) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(run.get(60, TimeUnit.SECONDS)).isTrue();
    assertThat(json.strip()).startsWith("{").endsWith("}");
    assertThat(json.replaceAll("\\s", "")).contains("\"complete\":true");
  }

  /**
   * A remote job's "video" is only the URI's last path segment; the output check compared it with the
   * working directory's file of that name and refused an unrelated local output as "the job's video".
   */
  @Test
  void remoteJob_outputNamedLikeTheRemoteFile_isNotTakenForTheVideo() throws Exception {
    String name = "framewise-seams-" + Long.toHexString(System.nanoTime()) + ".json";
    Path local = Path.of(name).toAbsolutePath(); // the working directory: where the remote file name resolves
    Files.writeString(local, "keep me");
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      CompletableFuture.runAsync(() -> {
        try (Socket s = server.accept()) {
          s.getOutputStream().write("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
          // the test ends
        }
      });
      DetectionJob job = VideoDetector.builder().remoteInput("http").build()
          .newJob(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/" + name)).model(model);
      Throwable e = catchThrowable(() -> job.writeJson(Path.of(name)));
      assertThat(e).as("the output is not the remote video").isNotInstanceOf(InvalidOutputException.class)
          .isInstanceOf(VideoDetectorException.class);
      assertThat(Files.readString(local)).as("a failed job leaves the existing file untouched").isEqualTo("keep me");
    } finally {
      Files.deleteIfExists(local);
    }
  }

  /**
   * Missing parent folders spelled with ".." ({@code new/../out.json}): Files.createDirectories created
   * nothing for such a path, so a good job failed with FW-500 "cannot create a temporary file".
   */
  @Test
  void missingParentsSpelledWithDotDot_areCreatedAndTheJobSucceeds() throws IOException {
    Path out = dir.resolve("new").resolve("..").resolve("out.json");
    assertThat(VideoDetector.open(video).model(model).writeJson(out).complete()).isTrue();
    assertThat(dir.resolve("out.json")).isRegularFile();
    assertThat(Files.readString(dir.resolve("out.json")).strip()).endsWith("}");
  }

  /**
   * The same spelling when the job fails: the clean-up stopped at the first folder it could not remove
   * ({@code new/..}) and would have left {@code new}.
   */
  @Test
  void failedJob_missingParentsSpelledWithDotDot_areAllRemoved() throws IOException {
    Path notAVideo = Files.writeString(dir.resolve("notes.mp4"), "this is not a video\n");
    Path out = dir.resolve("new").resolve("..").resolve("out.json");
    CorruptMediaException e = catchThrowableOfType(
        () -> VideoDetector.open(notAVideo).model(model).writeJson(out), CorruptMediaException.class);
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("notes.mp4");
    assertThat(dir.resolve("new")).as("the folder the job created is removed").doesNotExist();
    assertThat(dir.resolve("out.json")).doesNotExist();
  }

  /**
   * A refused output does not use the job up (nothing ran), as the class description says; a job that
   * ran is single-use.
   */
  @Test
  void refusedOutput_thenAnotherOutput_runs_andAThirdCallIsRefused() throws IOException {
    DetectionJob job = VideoDetector.open(video).model(model);
    InvalidOutputException e = catchThrowableOfType(() -> job.writeJson(dir), InvalidOutputException.class);
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo("FW-502");
    Path out = dir.resolve("out.json");
    assertThat(job.writeJson(out).complete()).isTrue();
    assertThat(catchThrowable(() -> job.writeJson(dir.resolve("again.json")))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("single-use");
    assertThat(dir.resolve("again.json")).doesNotExist();
  }

  /**
   * A user without a home directory gets {@code user.home = "?"}: the native-library cache went to
   * {@code ./?/.cache/framewise} in whatever folder the process ran in. A relative root is refused, so
   * ONNX Runtime loads its libraries its own way (with a warning) instead.
   */
  @Test
  void nativeCache_relativeHome_isNotUsed() {
    String home = System.getProperty("user.home");
    String configured = System.getProperty(OnnxNatives.CACHE_PROPERTY);
    String xdg = System.getenv("XDG_CACHE_HOME");
    assumeTrue(xdg == null || xdg.isBlank() || !Path.of(xdg).isAbsolute(), "XDG_CACHE_HOME decides the cache here");
    try {
      System.clearProperty(OnnxNatives.CACHE_PROPERTY);
      System.setProperty("user.home", "?");
      IOException e = catchThrowableOfType(OnnxNatives::root, IOException.class);
      assertThat(e).isNotNull();
      assertThat(e.getMessage()).contains("not an absolute path");
      System.setProperty(OnnxNatives.CACHE_PROPERTY, "relative/cache");
      assertThat(catchThrowable(OnnxNatives::root)).isInstanceOf(IOException.class).hasMessageContaining("relative");
      System.setProperty(OnnxNatives.CACHE_PROPERTY, dir.toString());
      assertThat(catchThrowable(OnnxNatives::root)).isNull();
    } finally {
      System.setProperty("user.home", home);
      if (configured == null) {
        System.clearProperty(OnnxNatives.CACHE_PROPERTY);
      } else {
        System.setProperty(OnnxNatives.CACHE_PROPERTY, configured);
      }
    }
  }

  private static int unixType(Path p) throws IOException {
    return ((Integer) Files.getAttribute(p, "unix:mode")) & 0170000;
  }
}
