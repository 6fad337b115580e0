package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published modules (io.framewise, io.framewise.core, io.framewise.gpu) work from the module path: a
 * tiny application module that requires only {@code io.framewise} is compiled against them and launched
 * with {@code java --module-path ... -m}, nothing on the class path. The decoder, the JSON writer, the
 * engine and the ONNX Runtime adapter are found through {@code provides}/{@code uses}; the application
 * cannot see the modules' internals. It runs the real clip (every 10th frame) against the reference.
 */
class ModulePathTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The jars and class folders an application's module path needs: Framewise's three and their runtime. */
  private static final Pattern RUNTIME = Pattern.compile(
      "(sdk-api|sdk-core|sdk-gpu|ffmpeg|javacpp|onnxruntime|jackson-core|caffeine|slf4j-api|slf4j-simple|jspecify)-[0-9].*\\.jar");

  @TempDir Path dir;

  @Test
  void realClip_fromTheModulePath() throws Exception {
    Path model = TestData.file("models/yolox_nano.onnx");
    Path video = TestData.file("videos/one-by-one-person-detection.mp4");
    Path labels = TestData.file("labels/coco.names");
    JsonNode golden = JSON.readTree(TestData.file("golden/yolox_nano__one-by-one-person-detection.json").toFile());

    List<String> modulePath = new ArrayList<>();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    for (String entry : classPath.split(File.pathSeparator)) {
      Path p = Path.of(entry);
      String name = p.getFileName().toString();
      boolean framewiseClasses = name.equals("classes") && p.getParent() != null && p.getParent().getParent() != null
          && p.getParent().getParent().getFileName().toString().matches("sdk-(api|core|gpu)");
      if (framewiseClasses || RUNTIME.matcher(name).matches()) {
        modulePath.add(entry);
      }
    }
    assertThat(String.join(" ", modulePath)).contains("onnxruntime").contains("ffmpeg").contains("javacpp");
    String mp = String.join(File.pathSeparator, modulePath);

    Path src = dir.resolve("src/com.example.app");
    Files.createDirectories(src.resolve("com/example/app"));
    Files.writeString(src.resolve("module-info.java"), "module com.example.app { requires io.framewise; }\n");
    Files.writeString(src.resolve("com/example/app/Main.java"), String.join("\n",
        "package com.example.app;",
        "import io.framewise.*;",
        "import java.nio.file.Path;",
        "public final class Main {",
        "  public static void main(String[] a) throws Exception {",
        "    // Internals stay hidden: the core's engine is exported only as the named default.",
        "    try { Class.forName(\"io.framewise.core.run.SegmentedRun\").getDeclaredConstructors()[0].setAccessible(true);",
        "      System.out.println(\"internals: accessible\"); }",
        "    catch (ReflectiveOperationException | RuntimeException e) { System.out.println(\"internals: hidden\"); }",
        "    System.out.println(\"module: \" + VideoDetector.class.getModule().getName());",
        "    DetectionSummary s = VideoDetector.open(Path.of(a[0]))",
        "        .model(ModelSpec.builder(Path.of(a[1])).labelsFile(Path.of(a[2])).build())",
        "        .frameStride(10).writeJson(Path.of(a[3]));",
        "    System.exit(s.complete() ? 0 : 3);",
        "  }",
        "}", ""));
    Path classes = dir.resolve("classes");
    Path javacLog = dir.resolve("javac.log");
    Process javac = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
        "--release", "17", "--module-path", mp, "-d", classes.toString(),
        src.resolve("module-info.java").toString(), src.resolve("com/example/app/Main.java").toString())
        .redirectErrorStream(true).redirectOutput(javacLog.toFile()).start();
    assertThat(javac.waitFor(5, TimeUnit.MINUTES)).as("javac finished").isTrue();
    assertThat(javac.exitValue()).as("javac exit code; output:%n%s", Files.readString(javacLog)).isZero();

    Path json = dir.resolve("out.json");
    Path log = dir.resolve("run.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String platform = System.getProperty("javacpp.platform", "linux-x86_64").replace('-', '.');
    Process process = new ProcessBuilder(java, "-Xmx1g",
        "--module-path", classes + File.pathSeparator + mp,
        // JavaCPP's native jars are modules that nothing requires: an application adds its platform's.
        "--add-modules", "org.bytedeco.ffmpeg." + platform + ",org.bytedeco.javacpp." + platform,
        "-m", "com.example.app/com.example.app.Main",
        video.toString(), model.toString(), labels.toString(), json.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(process.waitFor(10, TimeUnit.MINUTES)).as("finished").isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("exit code; output:%n%s", output).isZero();
    assertThat(output).contains("module: io.framewise").contains("internals: hidden")
        .contains("ONNX Runtime on CPU").doesNotContain("Exception");

    JsonNode ours = JSON.readTree(json.toFile());
    assertThat(ours.at("/summary/complete").asBoolean()).isTrue();
    JsonNode frames = ours.get("frames");
    assertThat(frames.size()).isEqualTo(140); // frames 0, 10, ..., 1390 of 1394
    for (int i = 0; i < frames.size(); i++) {
      assertThat(frames.get(i).get("frameId").asLong()).isEqualTo(10L * i);
    }
    GoldenComparison cmp = GoldenComparison.compare(golden, ours);
    assertThat(cmp.ourBoxes()).isGreaterThan(100);
    assertThat(cmp.precision()).isGreaterThanOrEqualTo(0.95);
  }
}
