package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.framewise.CorruptMediaException;
import io.framewise.DetectionSummary;
import io.framewise.MediaException;
import io.framewise.RefusedInputException;
import io.framewise.VideoDetector;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 8 §1: a file name never becomes a URL, and nothing named inside a local file is opened.
 *
 * <p>FFmpeg reads a leading {@code proto:} as a protocol only at the very start of the name, so the
 * crafted files are created in the working directory (the module folder under Maven) and opened by a
 * relative path, as a CLI user or an upload handler would; they are deleted afterwards. A listener on
 * 127.0.0.1 stands where each crafted name points, and must see no connection in any case.
 */
class HostileInputPathTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SOURCE_FRAMES = 9;
  private static final int OTHER_FRAMES = 5;

  @TempDir static Path dir;
  static Path model;
  static Path source;
  static Path other;
  static Path text;
  static ServerSocket listener;
  static int port;
  static final List<String> connections = new CopyOnWriteArrayList<>();
  static final List<Path> createdInWorkingDir = new ArrayList<>();

  @BeforeAll
  static void setUp() throws IOException {
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("model.onnx"));
    source = SyntheticVideo.builder().frames(SOURCE_FRAMES).size(128, 64).gopSize(3).build().write(dir.resolve("source.mp4"));
    other = SyntheticVideo.builder().frames(OTHER_FRAMES).size(64, 64).build().write(dir.resolve("other.mp4"));
    text = Files.writeString(dir.resolve("text.txt"), "hello world\n"); // 12 bytes
    assertThat(Files.size(text)).isEqualTo(12);
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
    }, "hostile-path-listener");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void noConnection() {
    List<String> seen = List.copyOf(connections);
    connections.clear();
    assertThat(seen).as("connections to the listener on 127.0.0.1:%d", port).isEmpty();
  }

  @AfterAll
  static void tearDown() throws IOException {
    listener.close();
    for (Path top : createdInWorkingDir) {
      if (Files.exists(top)) {
        try (Stream<Path> walk = Files.walk(top)) {
          for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
  }

  /** Each crafted name holds a real video, and opens as exactly that file: its frames, not another's. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "http:/127.0.0.1:PORT/src.mp4",
      "tcp:/127.0.0.1:PORT",
      "concat:OTHER",
      "subfile,,start,0,end,0,,:OTHER",
      "clip:01.mp4",
      "file:OTHER",
      "rtmp:/127.0.0.1:PORT/live",
  })
  void craftedName_opensThatLocalFile(String pattern) throws IOException {
    Path crafted = craft(pattern, source);
    assertThat(crafted.isAbsolute()).isFalse();
    assertThat(crafted.toString()).startsWith(pattern.substring(0, pattern.indexOf(':') + 1));

    ByteArrayOutputStream viaCrafted = new ByteArrayOutputStream();
    DetectionSummary s = VideoDetector.open(crafted).model(model).writeJson(viaCrafted);
    ByteArrayOutputStream viaPlain = new ByteArrayOutputStream();
    DetectionSummary plain = VideoDetector.open(source).model(model).writeJson(viaPlain);

    assertThat(s.complete()).isTrue();
    assertThat(s.framesDecoded()).isEqualTo(SOURCE_FRAMES).isNotEqualTo(OTHER_FRAMES);
    assertThat(s).isEqualTo(plain);
    JsonNode a = JSON.readTree(viaCrafted.toByteArray());
    JsonNode b = JSON.readTree(viaPlain.toByteArray());
    assertThat(a.at("/video/source").asText()).isEqualTo(crafted.getFileName().toString());
    ((ObjectNode) a.get("video")).remove("source");
    ((ObjectNode) b.get("video")).remove("source");
    assertThat(a).isEqualTo(b); // same frames, same boxes: the bytes of the file it names
    assertThat(a.at("/video/width").asInt()).isEqualTo(128);

    // and chunked (index pass + segment decoders open the file again)
    DetectionSummary chunked = VideoDetector.open(crafted).model(model).chunkSize(java.time.Duration.ofMillis(300))
        .parallelism(2).writeJson(new ByteArrayOutputStream());
    assertThat(chunked).isEqualTo(plain);
  }

  /** {@code pipe:0} holding 12 bytes of text fails as that text file does; it never reads stdin. */
  @Test
  void pipeName_readsTheTextFileNotStdin() throws IOException {
    Path crafted = craft("pipe:0", text);
    CorruptMediaException viaCrafted = failsCleanly(crafted, CorruptMediaException.class);
    CorruptMediaException viaPlain = catchThrowableOfType(
        () -> VideoDetector.open(text).model(model).writeJson(new ByteArrayOutputStream()), CorruptMediaException.class);
    assertThat(viaCrafted).isNotNull();
    assertThat(viaPlain).isNotNull();
    assertThat(viaCrafted.code()).isEqualTo(viaPlain.code()).isEqualTo("FW-102");
    assertThat(viaCrafted.path()).isEqualTo(crafted);
    assertThat(viaCrafted.getMessage()).startsWith("pipe:0: not a readable media file")
        .isEqualTo(viaPlain.getMessage().replace(text.toString(), "pipe:0"));
  }

  /** HLS, DASH and concat files pointing at another local file or at the listener are refused before anything is opened. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"local.m3u8", "remote.m3u8", "local.ffconcat", "remote.ffconcat", "local.mpd", "remote.mpd"})
  void playlistPointingElsewhere_isRefused(String name) throws IOException {
    String target = name.startsWith("local") ? other.getFileName().toString() : "http://127.0.0.1:" + port + "/seg.mp4";
    String body;
    String kind;
    if (name.endsWith(".m3u8")) {
      body = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\n" + target + "\n#EXT-X-ENDLIST\n";
      kind = "HLS playlist";
    } else if (name.endsWith(".ffconcat")) {
      body = "ffconcat version 1.0\nfile '" + target + "'\n";
      kind = "concat script";
    } else {
      body = "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" type=\"static\" mediaPresentationDuration=\"PT1S\""
          + " profiles=\"urn:mpeg:dash:profile:isoff-on-demand:2011\"><Period><AdaptationSet mimeType=\"video/mp4\">"
          + "<Representation id=\"1\" bandwidth=\"1000\" width=\"64\" height=\"64\"><BaseURL>" + target
          + "</BaseURL></Representation></AdaptationSet></Period></MPD>\n";
      kind = "DASH manifest";
    }
    Path file = Files.writeString(dir.resolve(name), body);
    RefusedInputException e = refused(file);
    assertThat(e.code()).isEqualTo("FW-110");
    assertThat(e.path()).isEqualTo(file);
    assertThat(e.getMessage()).contains(name).contains(kind).contains("open the files or addresses named inside it");
  }

  /** A numbered image pattern would read frame1.png, frame2.png, ...: refused; a single image still opens. */
  @Test
  void imageSequencePattern_isRefused_singleImageStillReads() throws IOException {
    BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR);
    Path one = dir.resolve("frame1.png");
    ImageIO.write(image, "png", one.toFile());
    Files.copy(one, dir.resolve("frame2.png"));
    Path pattern = Files.copy(one, dir.resolve("frame%d.png"));
    RefusedInputException e = refused(pattern);
    assertThat(e.code()).isEqualTo("FW-110");
    assertThat(e.getMessage()).contains("frame%d.png").contains("image sequence pattern");

    DetectionSummary s = VideoDetector.open(one).model(model).writeJson(new ByteArrayOutputStream());
    assertThat(s.framesDecoded()).isEqualTo(1);
  }

  /** A format off the allow-list that opens nothing else (here SubRip subtitles) is unsupported, not guessed at. */
  @Test
  void formatOffTheList_isUnsupported() throws IOException {
    Path srt = Files.writeString(dir.resolve("subs.srt"), "1\n00:00:00,000 --> 00:00:01,000\nhello\n\n2\n00:00:01,000 --> 00:00:02,000\nworld\n");
    MediaException e = failsCleanly(srt, io.framewise.UnsupportedMediaException.class);
    assertThat(e.code()).isEqualTo("FW-114");
    assertThat(e.getMessage()).startsWith(srt + ": is of FFmpeg format 'srt'");
  }

  /** Remote input is off unless the detector allows the scheme; file URIs are local files. */
  @Test
  void uri_remoteIsOffByDefault_andOnlyAllowedSchemesPass() {
    VideoDetector plain = VideoDetector.builder().build();
    String url = "http://user:secret@127.0.0.1:" + port + "/src.mp4?X-Amz-Signature=secret";
    RefusedInputException off = catchThrowableOfType(() -> plain.newJob(URI.create(url)), RefusedInputException.class);
    assertThat(off.code()).isEqualTo("FW-111");
    assertThat(off.getMessage()).contains("http://…@127.0.0.1:" + port + "/src.mp4?…").contains("remote input is off")
        .doesNotContain("secret");

    VideoDetector httpsOnly = VideoDetector.builder().remoteInput("https").build();
    for (String u : new String[] {url, "tcp://127.0.0.1:" + port, "pipe:0", "concat:" + other, "clip:01.mp4", "ftp://127.0.0.1:" + port + "/x"}) {
      RefusedInputException e = catchThrowableOfType(() -> httpsOnly.newJob(URI.create(u)), RefusedInputException.class);
      assertThat(e).as(u).isNotNull();
      assertThat(e.code()).as(u).isEqualTo("FW-111");
      assertThat(e.getMessage()).as(u).contains("is not allowed").contains("this detector allows https");
    }
    RefusedInputException noHost = catchThrowableOfType(() -> httpsOnly.newJob(URI.create("https:/127.0.0.1:" + port + "/src.mp4")),
        RefusedInputException.class);
    assertThat(noHost.code()).isEqualTo("FW-112");

    assertThatThrownBy(() -> VideoDetector.builder().remoteInput("file")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VideoDetector.builder().remoteInput("tcp")).isInstanceOf(IllegalArgumentException.class);

    DetectionSummary local = plain.newJob(source.toUri()).model(model).writeJson(new ByteArrayOutputStream());
    assertThat(local.framesDecoded()).isEqualTo(SOURCE_FRAMES);
  }

  /** An allowed http URI is read over HTTP (from a server on 127.0.0.1) and gives the local file's JSON; a remote playlist is refused. */
  @Test
  void uri_allowedHttp_readsTheVideo_remotePlaylistRefused() throws IOException {
    byte[] video = Files.readAllBytes(source);
    byte[] playlist = ("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nfile://" + other + "\n#EXT-X-ENDLIST\n")
        .getBytes(StandardCharsets.UTF_8);
    List<String> requests = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      requests.add(exchange.getRequestURI().getPath());
      if (exchange.getRequestURI().getPath().equals("/moved.mp4")) { // a redirect to a scheme the detector does not allow
        exchange.getResponseHeaders().add("Location", "https://127.0.0.1:" + port + "/src.mp4");
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
        return;
      }
      byte[] body = exchange.getRequestURI().getPath().endsWith(".m3u8") ? playlist : video;
      exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
      exchange.getResponseHeaders().add("Accept-Ranges", "bytes");
      String range = exchange.getRequestHeaders().getFirst("Range");
      int from = 0;
      int to = body.length - 1;
      if (range != null && range.startsWith("bytes=")) { // "bytes=a-" or "bytes=a-b": FFmpeg seeks with these
        String[] ab = range.substring(6).split("-", -1);
        from = Integer.parseInt(ab[0]);
        to = ab[1].isEmpty() ? to : Math.min(to, Integer.parseInt(ab[1]));
        exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + to + "/" + body.length);
        exchange.sendResponseHeaders(206, to - from + 1);
      } else {
        exchange.sendResponseHeaders(200, body.length);
      }
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body, from, to - from + 1);
      }
    });
    server.start();
    try {
      int httpPort = server.getAddress().getPort();
      VideoDetector detector = VideoDetector.builder().remoteInput("http").build();
      ByteArrayOutputStream remote = new ByteArrayOutputStream();
      DetectionSummary s = detector.newJob(URI.create("http://127.0.0.1:" + httpPort + "/videos/src.mp4?sig=abc")).model(model)
          .writeJson(remote);
      ByteArrayOutputStream local = new ByteArrayOutputStream();
      DetectionSummary plain = VideoDetector.open(source).model(model).writeJson(local);
      assertThat(s).isEqualTo(plain);
      JsonNode a = JSON.readTree(remote.toByteArray());
      assertThat(a.at("/video/source").asText()).isEqualTo("src.mp4");
      ((ObjectNode) a.get("video")).put("source", "source.mp4");
      assertThat(a).isEqualTo(JSON.readTree(local.toByteArray()));
      assertThat(requests).isNotEmpty().allMatch(p -> p.equals("/videos/src.mp4"));

      requests.clear();
      MediaException e = catchThrowableOfType(() -> detector.newJob(URI.create("http://127.0.0.1:" + httpPort + "/live.m3u8"))
          .model(model).writeJson(new ByteArrayOutputStream()), MediaException.class);
      assertThat(e).isInstanceOf(RefusedInputException.class);
      assertThat(e.code()).isEqualTo("FW-110");
      assertThat(e.getMessage()).contains("http://127.0.0.1:" + httpPort + "/live.m3u8");
      assertThat(requests).containsOnly("/live.m3u8");

      requests.clear();
      RefusedInputException redirected = catchThrowableOfType(() -> detector.newJob(URI.create("http://127.0.0.1:" + httpPort + "/moved.mp4"))
          .model(model).writeJson(new ByteArrayOutputStream()), RefusedInputException.class);
      assertThat(redirected).isNotNull();
      assertThat(redirected.code()).isEqualTo("FW-110");
      assertThat(redirected.getMessage()).contains("/moved.mp4").contains("'tls' not on whitelist");
      assertThat(requests).containsOnly("/moved.mp4"); // and the listener (the redirect's target) saw nothing

      // chunked remote jobs read with range requests (RemoteChunkedTest); a checkpoint cannot tell whether the remote content changed
      assertThatThrownBy(() -> detector.newJob(URI.create("http://127.0.0.1:" + httpPort + "/src.mp4")).model(model)
          .chunkSize(java.time.Duration.ofSeconds(1)).checkpointDir(dir.resolve("remote-cp")).writeJson(new ByteArrayOutputStream()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("remote input");
    } finally {
      server.stop(0);
    }
  }

  private static RefusedInputException refused(Path file) {
    return failsCleanly(file, RefusedInputException.class);
  }

  /** Runs the job to a file and to a stream: both fail with {@code type} and leave nothing that looks complete. */
  private static <E extends MediaException> E failsCleanly(Path file, Class<E> type) {
    Path out = dir.resolve("out-" + System.nanoTime() + ".json");
    E e = catchThrowableOfType(() -> VideoDetector.open(file).model(model).writeJson(out), type);
    assertThat(e).as("%s from %s", type.getSimpleName(), file).isNotNull();
    assertThat(out).doesNotExist();
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    E again = catchThrowableOfType(() -> VideoDetector.open(file).model(model).writeJson(stream), type);
    assertThat(again).isNotNull();
    assertThat(again.code()).isEqualTo(e.code());
    assertThat(stream.toString(StandardCharsets.UTF_8)).doesNotContain("summary");
    return e;
  }

  /**
   * Creates, relative to the working directory, a file named {@code pattern} (PORT and OTHER replaced
   * by the listener's port and the other video's absolute path) holding a copy of {@code content}.
   */
  static Path craft(String pattern, Path content) throws IOException {
    String name = pattern.replace("PORT", Integer.toString(port)).replace("OTHER", other.toString());
    Path crafted = Path.of(name);
    Path top = crafted.getName(0);
    synchronized (createdInWorkingDir) {
      createdInWorkingDir.add(top);
    }
    assertThat(top).as("a crafted name that already exists in the working directory").doesNotExist();
    if (crafted.getParent() != null) {
      Files.createDirectories(crafted.getParent());
    }
    Files.copy(content, crafted);
    return crafted;
  }
}
