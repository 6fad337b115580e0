package io.framewise.samples.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The page in headless Chromium (Debian's {@code chromium}, driven by playwright-core from
 * {@code src/test/js}): upload the real clip through the page's form, wait for 100 %, step to a frame with
 * a known object, and find its box drawn on the image the page shows. Needs {@code /usr/bin/chromium} (or
 * {@code FRAMEWISE_CHROMIUM}) and {@code npm ci --prefix samples/rest/src/test/js}; without them the test is
 * skipped with a message, except under CI ({@code CI=true}), where it fails.
 */
class PageIT {

  private static final Path JS = Path.of("src/test/js").toAbsolutePath();

  @Test
  void uploadWaitForAllFramesAndSeeTheBoxOnAFrame() throws Exception {
    Path chromium = Path.of(System.getenv().getOrDefault("FRAMEWISE_CHROMIUM", "/usr/bin/chromium"));
    requireTool(Files.isExecutable(chromium), chromium + " is missing: apt-get install -y chromium chromium-driver");
    requireTool(Files.isDirectory(JS.resolve("node_modules/playwright-core")),
        "playwright-core is not installed: npm ci --prefix samples/rest/src/test/js");
    RestServer server = RestServer.shared();
    server.deleteAll();
    byte[] reference = RestServer.reference().get(900, TimeUnit.SECONDS);
    KnownBox known = KnownBox.find(reference, 1);

    Path out = Files.createDirectories(RestServer.TARGET.resolve("it-page"));
    Files.deleteIfExists(out.resolve("frame.png"));
    Process node = new ProcessBuilder(List.of("node", JS.resolve("page.mjs").toString(), server.base,
        RestServer.clip().toString(), Long.toString(known.frame()), out.toString(), chromium.toString()))
        .redirectErrorStream(true).redirectOutput(out.resolve("node.log").toFile()).start();
    if (!node.waitFor(900, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      fail("the page test did not end in 900 s: " + Files.readString(out.resolve("node.log")));
    }
    String log = Files.readString(out.resolve("node.log"), StandardCharsets.UTF_8);
    assertThat(node.exitValue()).as(log).isZero();
    JsonNode result = RestServer.JSON.readTree(log.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    assertThat(result.get("ok").asBoolean()).as(log).isTrue();
    assertThat(result.get("bar").asText()).isEqualTo("100");
    assertThat(result.get("shown").asText()).isEqualTo(Long.toString(known.frame()));
    assertThat(result.get("src").asText()).endsWith("/frames/" + known.frame() + ".jpg");
    assertThat(result.get("meters").asText()).contains("framewise.frames.processed", "framewise.job.duration");
    // Shown at its natural size (768x432), so the screenshot's pixels are the image's.
    assertThat(result.get("size").get(0).asInt()).isEqualTo(768);
    assertThat(result.get("size").get(2).asDouble()).isEqualTo(768.0);
    known.assertDrawn(ImageIO.read(out.resolve("frame.png").toFile()), RestServer.clip(), "the page's frame " + known.frame());
  }

  /** Skips without the browser tools, except under CI, which must have them. */
  private static void requireTool(boolean present, String message) {
    if (!present && "true".equals(System.getenv("CI"))) {
      fail(message + " (CI=true: .ci/run must install it)");
    }
    assumeTrue(present, message);
  }
}
