package io.framewise.samples.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real thing for the tests: {@code target/framewise-rest.jar} started as its own JVM (Payara Micro with
 * the WAR), reached over HTTP on 127.0.0.1, and the SDK's own result for the real clip as the reference.
 * One server for all test classes of the run; stopped when the test JVM exits.
 */
final class RestServer {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Path TARGET = Path.of("target").toAbsolutePath();
  static final Path WORK = TARGET.resolve("it-work");
  /** The upload limit the server runs with: above the real clip (3.3 MB). */
  static final long MAX_UPLOAD = 8L << 20;

  private static RestServer shared;
  private static CompletableFuture<byte[]> reference;

  final Process process;
  final String base;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  final Path log;
  /** Jobs the tests created, for {@link #deleteAll()}. */
  final List<String> created = new java.util.concurrent.CopyOnWriteArrayList<>();

  private RestServer(Process process, String base, Path log) {
    this.process = process;
    this.base = base;
    this.log = log;
  }

  /** The shared test data, or the test is skipped when FRAMEWISE_TESTDATA is not set. */
  static Path testData() {
    String env = System.getenv("FRAMEWISE_TESTDATA");
    assumeTrue(env != null && !env.isBlank(), "FRAMEWISE_TESTDATA is not set: the REST sample's tests need the real clip and model");
    Path dir = Path.of(env);
    for (String f : List.of("models/yolox_nano.onnx", "labels/coco.names", "videos/one-by-one-person-detection.mp4")) {
      assertThat(dir.resolve(f)).as("FRAMEWISE_TESTDATA is set, so " + f + " must be there").isRegularFile();
    }
    return dir;
  }

  static Path clip() {
    return testData().resolve("videos/one-by-one-person-detection.mp4");
  }

  /** The server, started on first use. */
  static synchronized RestServer shared() throws Exception {
    Path data = testData();
    if (shared == null) {
      shared = start(data);
    }
    return shared;
  }

  /**
   * The SDK's JSON for the real clip, computed once in this JVM (in the background from the first call):
   * what the service must produce.
   */
  static synchronized CompletableFuture<byte[]> reference() {
    Path data = testData();
    if (reference == null) {
      reference = CompletableFuture.supplyAsync(() -> {
        try {
          Path out = TARGET.resolve("it-reference.json");
          DetectionSummary s = VideoDetector.builder().build()
              .newJob(data.resolve("videos/one-by-one-person-detection.mp4"))
              .model(ModelSpec.builder(data.resolve("models/yolox_nano.onnx"))
                  .labelsFile(data.resolve("labels/coco.names")).build())
              .writeJson(out);
          assertThat(s.complete()).isTrue();
          return Files.readAllBytes(out);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    }
    return reference;
  }

  private static RestServer start(Path data) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.createDirectories(WORK);
    Path log = TARGET.resolve("it-server.log");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx768m", "-jar", TARGET.resolve("framewise-rest.jar").toString(),
        "--port", Integer.toString(port),
        "--model", data.resolve("models/yolox_nano.onnx").toString(),
        "--labels", data.resolve("labels/coco.names").toString(),
        "--max-upload", Long.toString(MAX_UPLOAD),
        "--max-jobs", "2",
        "--work-dir", WORK.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    RestServer server = new RestServer(p, "http://127.0.0.1:" + port, log);
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (true) {
      assertThat(p.isAlive()).as("the server stopped while starting; see " + log + ":\n" + tail(log)).isTrue();
      try {
        HttpResponse<String> r = server.get("/");
        if (r.statusCode() == 200) {
          return server;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      assertThat(System.nanoTime()).as("the server did not start in 300 s; see " + log + ":\n" + tail(log)).isLessThan(deadline);
      Thread.sleep(500);
    }
  }

  static String tail(Path log) {
    try {
      String s = Files.readString(log, StandardCharsets.UTF_8);
      return s.substring(Math.max(0, s.length() - 4000));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  void stop() {
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<byte[]> getBytes(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<String> delete(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120)).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String contentType, HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/jobs")).timeout(Duration.ofSeconds(180))
        .header("Content-Type", contentType).POST(body).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 202) {
      created.add(JSON.readTree(r.body()).get("id").asText());
    }
    return r;
  }

  /** Cancels and forgets every job a test created, so that a failed test leaves no job running. */
  void deleteAll() throws IOException, InterruptedException {
    for (String id : created) {
      delete("/jobs/" + id);
      delete("/jobs/" + id);
    }
    created.clear();
  }

  /** POSTs a video as the request body. */
  HttpResponse<String> postOctets(byte[] video) throws IOException, InterruptedException {
    return post("application/octet-stream", HttpRequest.BodyPublishers.ofByteArray(video));
  }

  /** POSTs a video as the multipart form field {@code video}, with a hostile file name. */
  HttpResponse<String> postForm(byte[] video, String fileName) throws IOException, InterruptedException {
    String boundary = "fw" + Long.toHexString(System.nanoTime());
    byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"video\"; filename=\"" + fileName
        + "\"\r\nContent-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    return post("multipart/form-data; boundary=" + boundary, HttpRequest.BodyPublishers.ofByteArrays(List.of(head, video, tail)));
  }

  /** An answer read off the wire: status, Content-Type and body. */
  record Raw(int status, String contentType, String body) {}

  /**
   * Sends {@code POST /jobs} headers declaring a body of {@code length} bytes, and no body: how a client
   * sees an upload refused before its body is read (a refusal after reading would hang here until the
   * timeout). The JDK client cannot do this: it sends the whole body first and fails on the closed socket.
   */
  Raw postHeadersOnly(String contentType, long length) throws IOException {
    URI uri = URI.create(base);
    try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(60_000);
      socket.getOutputStream().write(("POST /jobs HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
          + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
      String status = readLine(in);
      String type = "";
      int contentLength = 0;
      for (String h = readLine(in); !h.isEmpty(); h = readLine(in)) {
        String lower = h.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("content-type:")) {
          type = h.substring(13).trim();
        } else if (lower.startsWith("content-length:")) {
          contentLength = Integer.parseInt(h.substring(15).trim());
        }
      }
      byte[] b = new byte[contentLength];
      in.readFully(b);
      return new Raw(Integer.parseInt(status.split(" ")[1]), type, new String(b, StandardCharsets.UTF_8));
    }
  }

  private static String readLine(java.io.InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new java.io.EOFException("the server closed the connection after: " + sb);
      }
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  /** {@return the job's status} */
  JsonNode status(String id) throws IOException, InterruptedException {
    HttpResponse<String> r = get("/jobs/" + id);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** Polls until the job has ended; {@return its last status} */
  JsonNode awaitEnd(String id, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      JsonNode s = status(id);
      String state = s.get("state").asText();
      if (!state.equals("queued") && !state.equals("running")) {
        return s;
      }
      assertThat(System.nanoTime()).as("job " + id + " still " + s + " after " + seconds + " s").isLessThan(deadline);
      Thread.sleep(500);
    }
  }

  /** Checks a problem document: status, media type, FW code, and a detail that says what is wrong. */
  static JsonNode assertProblem(HttpResponse<String> r, int status, String code, String detailPart) throws IOException {
    return assertProblem(new Raw(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body()), status, code,
        detailPart);
  }

  /** Checks a problem document read off the wire. */
  static JsonNode assertProblem(Raw r, int status, String code, String detailPart) throws IOException {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("code").asText()).isEqualTo(code);
    assertThat(p.get("type").asText()).endsWith("errors.md#" + code.toLowerCase(java.util.Locale.ROOT));
    assertThat(p.get("title").asText()).isNotBlank();
    assertThat(p.get("detail").asText()).contains(detailPart);
    return p;
  }

  /** {@return the job folders in the work folder} */
  static List<String> jobFolders() throws IOException {
    try (var s = Files.list(WORK)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
