package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dependency set as a user resolves it: its runtime jars weigh at most the set's budget and carry no
 * other platform's natives, and the application runs the real clip with exactly those jars, in its own JVM.
 */
class DependencySetTest {

  /** Natives of platforms this set is not for, the -platform aggregates, and test libraries. */
  private static final Pattern FOREIGN = Pattern.compile(
      ".*(-platform|android|ios-|windows|macosx|linux-arm|linux-ppc|linux-x86\\.|junit|assertj|testkit|tribuo|protobuf).*");

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void runtimeClassPath_isTheSet_andRunsTheRealClip() throws Exception {
    String set = System.getProperty("consumer.set");
    List<Path> jars = new ArrayList<>();
    for (String entry : Files.readString(Path.of(System.getProperty("consumer.classpathFile"))).strip()
        .split(File.pathSeparator)) {
      jars.add(Path.of(entry));
    }
    long bytes = 0;
    StringBuilder listing = new StringBuilder();
    for (Path jar : jars) {
      long size = Files.size(jar);
      bytes += size;
      listing.append(String.format(Locale.ROOT, "  %8.1f MB  %s%n", size / 1e6, jar.getFileName()));
      assertTrue(!FOREIGN.matcher(jar.getFileName().toString()).matches(), "not part of the set: " + jar);
    }
    String summary = String.format(Locale.ROOT, "%s: %d jars, %.1f MB (%.1f MiB)", set, jars.size(), bytes / 1e6,
        bytes / 1048576.0);
    System.out.println(summary + System.lineSeparator() + listing);
    Files.writeString(Path.of(System.getProperty("consumer.classes")).resolveSibling("classpath-size.txt"),
        summary + System.lineSeparator() + listing);
    long max = Long.parseLong(System.getProperty("consumer.maxClasspathMb")) * 1_000_000L;
    assertTrue(bytes <= max, summary + " is over the set's budget of " + max / 1_000_000 + " MB");

    String data = System.getenv("FRAMEWISE_TESTDATA");
    assumeTrue(data != null && !data.isBlank(), "FRAMEWISE_TESTDATA is not set: not running the real clip");
    Path video = existing(Path.of(data, "videos/one-by-one-person-detection.mp4"));
    Path model = existing(Path.of(data, "models/yolox_nano.onnx"));
    Path labels = existing(Path.of(data, "labels/coco.names"));
    JsonNode golden = JSON.readTree(existing(Path.of(data, "golden/yolox_nano__one-by-one-person-detection.json")).toFile());

    Path out = Files.createTempDirectory("framewise-consumer-");
    Path json = out.resolve("out.json");
    Path log = out.resolve("run.log");
    String classPath = System.getProperty("consumer.classes") + File.pathSeparator
        + String.join(File.pathSeparator, jars.stream().map(Path::toString).toList());
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "-cp", classPath, Main.class.getName(), video.toString(), model.toString(), labels.toString(), json.toString(), "10")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(15, TimeUnit.MINUTES), "the application did not finish");
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertEquals(0, p.exitValue(), "exit code; output:\n" + output);
    assertTrue(output.contains("ONNX Runtime on " + System.getProperty("consumer.expectedDevice")), output);

    JsonNode frames = JSON.readTree(json.toFile()).get("frames");
    assertEquals(140, frames.size(), "frames 0, 10, ..., 1390 of 1394");
    Map<Long, JsonNode> reference = new HashMap<>();
    golden.get("frames").forEach(f -> reference.put(f.get("frameId").asLong(), f));
    int ours = 0;
    int matched = 0;
    for (int i = 0; i < frames.size(); i++) {
      JsonNode frame = frames.get(i);
      assertEquals(10L * i, frame.get("frameId").asLong());
      JsonNode ref = reference.get(frame.get("frameId").asLong());
      assertEquals(ref.get("ptsMs").asLong(), frame.get("ptsMs").asLong());
      for (JsonNode d : frame.get("detections")) {
        if (d.get("score").asDouble() < 0.3) {
          continue;
        }
        ours++;
        for (JsonNode r : ref.get("detections")) {
          if (r.get("classId").asInt() == d.get("classId").asInt() && iou(r.get("box"), d.get("box")) >= 0.5) {
            matched++;
            break;
          }
        }
      }
    }
    System.out.printf("%s: %d of %d boxes match the reference%n", set, matched, ours);
    assertTrue(ours > 100 && matched >= 0.95 * ours, matched + " of " + ours + " boxes match the reference");
  }

  private static Path existing(Path file) {
    assertTrue(Files.isRegularFile(file), "FRAMEWISE_TESTDATA is set but " + file + " is missing");
    return file;
  }

  private static double iou(JsonNode a, JsonNode b) {
    double x1 = Math.max(a.get("x1").asDouble(), b.get("x1").asDouble());
    double y1 = Math.max(a.get("y1").asDouble(), b.get("y1").asDouble());
    double x2 = Math.min(a.get("x2").asDouble(), b.get("x2").asDouble());
    double y2 = Math.min(a.get("y2").asDouble(), b.get("y2").asDouble());
    double inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
    double areaA = (a.get("x2").asDouble() - a.get("x1").asDouble()) * (a.get("y2").asDouble() - a.get("y1").asDouble());
    double areaB = (b.get("x2").asDouble() - b.get("x1").asDouble()) * (b.get("y2").asDouble() - b.get("y1").asDouble());
    return inter <= 0 ? 0 : inter / (areaA + areaB - inter);
  }
}
