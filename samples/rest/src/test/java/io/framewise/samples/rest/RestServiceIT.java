package io.framewise.samples.rest;

import static io.framewise.samples.rest.RestServer.JSON;
import static io.framewise.samples.rest.RestServer.assertProblem;
import static io.framewise.samples.rest.RestServer.jobFolders;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The service in Payara Micro over real HTTP: the real clip with the real model, compared byte for byte with
 * the SDK's own output; two jobs at once; cancelling; every error as a problem document; no file left behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestServiceIT {

  private static RestServer server;
  private static byte[] clip;

  @BeforeAll
  static void start() throws Exception {
    clip = Files.readAllBytes(RestServer.clip());
    RestServer.reference(); // starts the SDK's run in the background
    server = RestServer.shared();
  }

  @AfterEach
  void deleteJobs() throws Exception {
    server.deleteAll();
  }

  @Test
  @Order(1)
  void notAVideoIsRefusedWithTheSdksCodeAndLeavesNoFile() throws Exception {
    byte[] junk = new byte[200_000];
    new Random(7).nextBytes(junk);
    HttpResponse<String> r = server.postOctets(junk);
    assertProblem(r, 422, "FW-102", "the upload is not a video this service can read");
    // The message names the upload as "video", never the server's folder.
    assertThat(r.body()).doesNotContain(RestServer.WORK.toString());
    assertThat(jobFolders()).isEmpty();

    // A text file sent as a form, with a name that tries to leave the work folder.
    HttpResponse<String> form = server.postForm("just text\n".repeat(100).getBytes(StandardCharsets.UTF_8), "../../../tmp/x.mp4");
    assertThat(form.statusCode()).as(form.body()).isEqualTo(422);
    assertThat(JSON.readTree(form.body()).get("code").asText()).startsWith("FW-1");
    assertThat(jobFolders()).isEmpty();
  }

  @Test
  @Order(2)
  void emptyTooLargeAndMalformedRequestsAreProblems() throws Exception {
    assertProblem(server.postOctets(new byte[0]), 400, "FW-853", "the upload is empty");
    // Declared too large: refused before the body is read.
    assertProblem(server.postHeadersOnly("application/octet-stream", RestServer.MAX_UPLOAD + 1), 413, "FW-851",
        "larger than " + RestServer.MAX_UPLOAD + " bytes");
    assertProblem(server.postHeadersOnly("multipart/form-data; boundary=b", 10L << 30), 413, "FW-851", "max-upload");
    byte[] big = new byte[(int) RestServer.MAX_UPLOAD + 1];
    // Sent without a length (chunked): refused once the limit is passed, and the partial file deleted.
    HttpResponse<String> chunked = server.post("application/octet-stream",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
    assertProblem(chunked, 413, "FW-851", "framewise.rest.max-upload");
    assertThat(jobFolders()).isEmpty();
    // A form without the field.
    HttpResponse<String> noField = server.post("multipart/form-data; boundary=b",
        HttpRequest.BodyPublishers.ofString("--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n"));
    assertProblem(noField, 400, "FW-853", "no field 'video'");
    // A body that is neither.
    assertProblem(server.post("text/plain", HttpRequest.BodyPublishers.ofString("hello")), 415, "FW-860", "");
  }

  @Test
  @Order(3)
  void unknownJobsAreProblems() throws Exception {
    assertProblem(server.get("/jobs/0123456789abcdef0123456789abcdef"), 404, "FW-850", "no job has this id");
    assertProblem(server.get("/jobs/not-a-job"), 404, "FW-850", "no job has this id");
    assertProblem(server.get("/jobs/0123456789ABCDEF0123456789ABCDEF/result"), 404, "FW-850", "no job has this id");
    assertProblem(server.delete("/jobs/ffffffffffffffffffffffffffffffff"), 404, "FW-850", "no job has this id");
    assertProblem(server.get("/jobs/0123456789abcdef0123456789abcdef/frames/1.jpg"), 404, "FW-850", "no job has this id");
  }

  @Test
  @Order(4)
  void aTruncatedVideoFailsAndNeverServesAResult() throws Exception {
    // The clip's index is at its start: cut short, it opens, decodes ~170 frames, and falls short of the 1394 declared.
    HttpResponse<String> r = server.postOctets(Arrays.copyOf(clip, 400_000));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String id = JSON.readTree(r.body()).get("id").asText();
    JsonNode end = server.awaitEnd(id, 300);
    assertThat(end.get("state").asText()).isEqualTo("failed");
    assertThat(end.get("errors").toString()).contains("FW-106");
    assertProblem(server.get("/jobs/" + id + "/result"), 409, "FW-855", "the job failed, so it has no result");
    assertProblem(server.get("/jobs/" + id + "/frames/0.jpg"), 409, "FW-855", "no result");
    assertThat(RestServer.WORK.resolve(id)).as("a failed job's files are deleted").doesNotExist();
    assertThat(server.delete("/jobs/" + id).statusCode()).isEqualTo(204);
    assertProblem(server.get("/jobs/" + id), 404, "FW-850", "no job has this id");
  }

  @Test
  @Order(5)
  void twoJobsAtOnceOneCancelledTheOtherEqualToTheSdksOutput() throws Exception {
    HttpResponse<String> a = server.postOctets(clip);
    assertThat(a.statusCode()).as(a.body()).isEqualTo(202);
    String idA = JSON.readTree(a.body()).get("id").asText();
    assertThat(a.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/jobs/" + idA));
    HttpResponse<String> b = server.postForm(clip, "..\\..\\evil name.mp4");
    assertThat(b.statusCode()).as(b.body()).isEqualTo(202);
    String idB = JSON.readTree(b.body()).get("id").asText();
    assertThat(idA).matches("[0-9a-f]{32}").isNotEqualTo(idB);
    // Only the job folders, with the service's own file names.
    assertThat(jobFolders()).containsExactlyInAnyOrder(idA, idB);
    try (var files = Files.list(RestServer.WORK.resolve(idB))) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).allMatch(n -> n.equals("video") || n.startsWith(".result.json"));
    }

    // Both run at the same time.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    JsonNode sa;
    JsonNode sb;
    while (true) {
      sa = server.status(idA);
      sb = server.status(idB);
      if (sa.get("state").asText().equals("running") && sb.get("state").asText().equals("running")
          && sa.get("framesDone").asLong() > 0 && sb.get("framesDone").asLong() > 0) {
        break;
      }
      assertThat(System.nanoTime()).as("not both running: " + sa + " " + sb).isLessThan(deadline);
      Thread.sleep(250);
    }
    assertThat(sa.get("framesTotal").asLong()).isEqualTo(1394);
    assertThat(sa.get("fps").asDouble()).isPositive();
    assertThat(sa.get("errors").size()).isZero();

    // A third is too many (framewise.rest.max-jobs=2), refused before its body is stored.
    assertProblem(server.postHeadersOnly("application/octet-stream", clip.length), 429, "FW-852",
        "2 job(s) are already queued or running");
    // While running: no result, no frames.
    assertProblem(server.get("/jobs/" + idA + "/result"), 409, "FW-854", "the job is running");
    assertProblem(server.get("/jobs/" + idA + "/frames/0.jpg"), 409, "FW-857", "the job is running");

    // Cancel B: it stops, its files go, it never serves a result.
    HttpResponse<String> del = server.delete("/jobs/" + idB);
    assertThat(del.statusCode()).as(del.body()).isEqualTo(200);
    assertThat(JSON.readTree(del.body()).get("state").asText()).isEqualTo("cancelled");
    JsonNode cancelled = server.status(idB);
    assertThat(cancelled.get("state").asText()).isEqualTo("cancelled");
    assertThat(cancelled.get("framesDone").asLong()).isLessThan(1394);
    assertThat(cancelled.get("errors").get(0).get("code").asText()).isEqualTo("FW-700");
    assertProblem(server.get("/jobs/" + idB + "/result"), 409, "FW-855", "the job was cancelled");
    assertThat(RestServer.WORK.resolve(idB)).doesNotExist();

    // A runs to the end and its document's frames are the SDK's, byte for byte.
    JsonNode done = server.awaitEnd(idA, 900);
    assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("complete");
    assertThat(done.get("framesDone").asLong()).isEqualTo(1394);
    HttpResponse<byte[]> result = server.getBytes("/jobs/" + idA + "/result");
    assertThat(result.statusCode()).isEqualTo(200);
    assertThat(result.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    byte[] reference = RestServer.reference().get(900, TimeUnit.SECONDS);
    assertThat(frames(result.body())).isEqualTo(frames(reference));
    assertThat(new String(result.body(), StandardCharsets.UTF_8)).contains("\"complete\":true");

    // Frame images: a known object's box drawn in its class colour; bad frame numbers refused.
    KnownBox known = KnownBox.find(reference, 0);
    HttpResponse<byte[]> jpg = server.getBytes("/jobs/" + idA + "/frames/" + known.frame() + ".jpg");
    assertThat(jpg.statusCode()).isEqualTo(200);
    assertThat(jpg.headers().firstValue("Content-Type")).hasValue("image/jpeg");
    known.assertDrawn(ImageIO.read(new ByteArrayInputStream(jpg.body())), RestServer.clip(), "GET frames/" + known.frame() + ".jpg");
    // Stepping back starts the video again; the last frame is there.
    assertThat(server.getBytes("/jobs/" + idA + "/frames/0.jpg").statusCode()).isEqualTo(200);
    assertThat(server.getBytes("/jobs/" + idA + "/frames/1393.jpg").statusCode()).isEqualTo(200);
    assertProblem(server.get("/jobs/" + idA + "/frames/1394.jpg"), 404, "FW-856", "the video has 1394 frames");
    assertProblem(server.get("/jobs/" + idA + "/frames/-1.jpg"), 400, "FW-856", "is not a frame number");
    assertProblem(server.get("/jobs/" + idA + "/frames/abc.jpg"), 400, "FW-856", "is not a frame number");
    assertProblem(server.get("/jobs/" + idA + "/frames/99999999999999999999.jpg"), 400, "FW-856", "is not a frame number");

    // The Micrometer meters count the jobs: frames, and durations by outcome.
    JsonNode meters = JSON.readTree(server.get("/meters").body());
    assertThat(meter(meters, "framewise.frames.processed", null).get("values").get("count").asDouble())
        .isGreaterThanOrEqualTo(1394);
    assertThat(meter(meters, "framewise.job.duration", "complete").get("values").get("count").asDouble()).isGreaterThanOrEqualTo(1);
    assertThat(meter(meters, "framewise.job.duration", "cancelled").get("values").get("count").asDouble()).isGreaterThanOrEqualTo(1);

    // DELETE on an ended job forgets it and deletes its files.
    assertThat(server.delete("/jobs/" + idA).statusCode()).isEqualTo(204);
    assertThat(RestServer.WORK.resolve(idA)).doesNotExist();
    assertProblem(server.get("/jobs/" + idA + "/result"), 404, "FW-850", "no job has this id");
  }

  /** The meter of this name (and {@code outcome} tag, when given) in {@code GET /meters}. */
  static JsonNode meter(JsonNode meters, String name, String outcome) {
    for (JsonNode m : meters) {
      if (m.get("name").asText().equals(name) && (outcome == null || outcome.equals(m.get("tags").path("outcome").asText()))) {
        return m;
      }
    }
    throw new AssertionError("no meter " + name + (outcome == null ? "" : " outcome=" + outcome) + " in " + meters);
  }

  /** The {@code frames} array of a result document, as bytes. */
  static String frames(byte[] doc) {
    String s = new String(doc, StandardCharsets.UTF_8);
    int from = s.indexOf("\"frames\":[");
    int to = s.indexOf("\"summary\":", from);
    assertThat(from).isPositive();
    assertThat(to).isGreaterThan(from);
    return s.substring(from, to);
  }
}
