package io.framewise.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 8 §1 through the CLI: {@code framewise detect NAME} run as its own process in a folder that
 * holds files with crafted names, as a user would type them. Each name is read as the local file it
 * names; a listener on 127.0.0.1 sees no connection; playlists pointing elsewhere are refused.
 */
class HostileInputPathCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SOURCE_FRAMES = 8;
  private static final int OTHER_FRAMES = 5;

  @TempDir static Path shared;
  static Path model;
  static Path source;
  static Path other;
  static ServerSocket listener;
  static int port;
  static final List<String> connections = new CopyOnWriteArrayList<>();

  @TempDir Path work;

  @BeforeAll
  static void setUp() throws IOException {
    Logging.quietFfmpeg(false);
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(shared.resolve("model.onnx"));
    source = SyntheticVideo.builder().frames(SOURCE_FRAMES).size(128, 64).build().write(shared.resolve("source.mp4"));
    other = SyntheticVideo.builder().frames(OTHER_FRAMES).size(64, 64).build().write(shared.resolve("other.mp4"));
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    port = listener.getLocalPort();
    Thread acceptor = new Thread(() -> {
      while (!listener.isClosed()) {
        try (Socket s = listener.accept()) {
          connections.add(s.getRemoteSocketAddress().toString());
        } catch (IOException closed) {
          return;
        }
      }
    }, "hostile-cli-listener");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterAll
  static void tearDown() throws IOException {
    listener.close();
  }

  @AfterEach
  void noConnection() {
    List<String> seen = List.copyOf(connections);
    connections.clear();
    assertThat(seen).as("connections to the listener on 127.0.0.1:%d", port).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"http:/127.0.0.1:PORT/src.mp4", "tcp:/127.0.0.1:PORT", "concat:OTHER", "subfile,,start,0,end,0,,:OTHER",
      "clip:01.mp4"})
  void detect_craftedName_readsThatLocalFile(String pattern) throws Exception {
    String name = pattern.replace("PORT", Integer.toString(port)).replace("OTHER", other.toString());
    Path crafted = work.resolve(name);
    Files.createDirectories(crafted.getParent());
    Files.copy(source, crafted);

    Result r = detect(name, null);

    assertThat(r.exitCode).as(r.err).isZero();
    JsonNode doc = JSON.readTree(work.resolve("result.json").toFile());
    assertThat(doc.at("/summary/framesDecoded").asInt()).isEqualTo(SOURCE_FRAMES).isNotEqualTo(OTHER_FRAMES);
    assertThat(doc.at("/summary/complete").asBoolean()).isTrue();
    assertThat(doc.at("/video/width").asInt()).isEqualTo(128);
    assertThat(doc.at("/video/source").asText()).isEqualTo(crafted.getFileName().toString());
  }

  /** {@code pipe:0} holding 12 bytes of text, with a real video on stdin: the text file is what is read. */
  @Test
  void detect_pipeName_readsTheFileNotStdin() throws Exception {
    Files.writeString(work.resolve("pipe:0"), "hello world\n");

    Result r = detect("pipe:0", source);

    assertThat(r.exitCode).as(r.err).isEqualTo(3);
    assertThat(r.err.strip()).startsWith("framewise: pipe:0: not a readable media file").endsWith("(FW-102)").doesNotContain("\n");
    assertNoOutput();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"list.m3u8", "list.ffconcat"})
  void detect_playlistPointingElsewhere_isRefused(String name) throws Exception {
    String body = name.endsWith(".m3u8")
        ? "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n" + other + "\n#EXTINF:10.0,\nhttp://127.0.0.1:" + port + "/a.ts\n#EXT-X-ENDLIST\n"
        : "ffconcat version 1.0\nfile '" + other + "'\nfile 'http://127.0.0.1:" + port + "/a.mp4'\n";
    Files.writeString(work.resolve(name), body);

    Result r = detect(name, null);

    assertThat(r.exitCode).as(r.err).isEqualTo(3);
    assertThat(r.err.strip()).startsWith("framewise: " + name + ": is a").contains("which makes FFmpeg open the files or addresses named inside it")
        .endsWith("(FW-110)").doesNotContain("\n");
    assertNoOutput();
  }

  private void assertNoOutput() throws IOException {
    assertThat(work.resolve("result.json")).doesNotExist();
    assertThat(Files.readString(work.resolve("stdout.txt"))).isEmpty();
    try (java.util.stream.Stream<Path> files = Files.list(work)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part") || n.endsWith(".json"));
    }
  }

  private record Result(int exitCode, String err) {}

  /** Runs {@code framewise detect NAME --model M --out result.json} as a child process in {@link #work}. */
  private Result detect(String name, Path stdin) throws Exception {
    ProcessBuilder launch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        FramewiseCli.class.getName(), "detect", name, "--model", model.toString(), "--out", "result.json")
        .directory(work.toFile())
        .redirectOutput(work.resolve("stdout.txt").toFile())
        .redirectError(work.resolve("stderr.txt").toFile());
    launch.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    if (stdin != null) {
      launch.redirectInput(stdin.toFile());
    }
    Process child = launch.start();
    if (!child.waitFor(120, TimeUnit.SECONDS)) {
      child.destroyForcibly();
      throw new AssertionError("framewise detect " + name + " did not finish in 120 s");
    }
    String err = Files.readString(work.resolve("stderr.txt"), StandardCharsets.UTF_8);
    return new Result(child.exitValue(), err);
  }
}
