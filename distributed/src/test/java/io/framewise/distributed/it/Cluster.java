package io.framewise.distributed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Child processes of one failure test (workers, coordinators), on the test's topics and store. */
final class Cluster implements AutoCloseable {

  final String bootstrap;
  final String name;
  final Path dir;
  final Path store;
  private final List<Proc> procs = new ArrayList<>();

  Cluster(String bootstrap, String name, Path dir) throws IOException {
    this.bootstrap = bootstrap;
    this.name = name;
    this.dir = dir;
    this.store = Files.createDirectories(dir.resolve("store"));
  }

  /** A running child JVM and its combined output. */
  record Proc(String name, Process process, Path log) {

    String output() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Waits until the output has a line containing {@code text}. */
    void await(String text, Duration timeout) throws InterruptedException {
      long end = System.nanoTime() + timeout.toNanos();
      while (!output().contains(text)) {
        assertThat(System.nanoTime()).as("%s: no '%s' within %s; output:%n%s", name, text, timeout, output()).isLessThan(end);
        assertThat(process.isAlive() || output().contains(text)).as("%s ended (%s); output:%n%s", name,
            process.isAlive() ? "" : process.exitValue(), output()).isTrue();
        Thread.sleep(100);
      }
    }

    /** SIGKILL, and wait for the process to be gone. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** How many lines match. */
    int count(String regex) {
      Matcher m = Pattern.compile(regex).matcher(output());
      int n = 0;
      while (m.find()) {
        n++;
      }
      return n;
    }
  }

  /** Starts a worker process with these system properties (fault injection). */
  Proc worker(String workerName, String... props) throws IOException {
    List<String> args = new ArrayList<>(List.of("-D" + "framewise.worker=" + workerName));
    for (String p : props) {
      args.add("-D" + p);
    }
    return start(workerName, args, WorkerMain.class.getName(), bootstrap, name, store.toString(), workerName);
  }

  /** Starts a worker process whose input policy is {@code inputs} (as the CLI's {@code --inputs}). */
  Proc workerWithInputs(String workerName, String inputs) throws IOException {
    return start(workerName, List.of("-Dframewise.worker=" + workerName), WorkerMain.class.getName(), bootstrap, name, store.toString(),
        workerName, inputs);
  }

  /** Starts a coordinator process. */
  Proc submitProcess(Path video, Path model, long chunkMs, Path out) throws IOException {
    return start("submit", List.of(), SubmitMain.class.getName(), bootstrap, name, store.toString(), video.toString(), model.toString(),
        Long.toString(chunkMs), out.toString());
  }

  private Proc start(String procName, List<String> jvmArgs, String main, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx768m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(jvmArgs);
    cmd.add(main);
    cmd.addAll(List.of(args));
    Path log = dir.resolve(procName + "-" + procs.size() + ".log");
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    b.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    Proc p = new Proc(procName, b.start(), log);
    procs.add(p);
    return p;
  }

  /** Segment files in the store. */
  long storedSegments() throws IOException {
    try (Stream<Path> s = Files.walk(store)) {
      return s.filter(p -> p.getFileName().toString().matches("segment-\\d+\\.fws")).count();
    }
  }

  /** What {@code detect} writes for the same job on this machine: the local engine. */
  static byte[] detect(Path video, Path model, long chunkMs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (VideoDetector d = VideoDetector.builder().build()) {
      DetectionSummary s = d.newJob(video).model(ModelSpec.of(model)).chunkSize(Duration.ofMillis(chunkMs)).writeJson(out);
      assertThat(s.complete()).isTrue();
    }
    return out.toByteArray();
  }

  /** Prints every child's output (for a failed test's report), then kills them. */
  @Override
  public void close() throws InterruptedException {
    for (Proc p : procs) {
      if (p.process.isAlive()) {
        p.process.destroyForcibly();
        p.process.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** The children's output, for assertion messages. */
  String logs() {
    StringBuilder sb = new StringBuilder();
    for (Proc p : procs) {
      sb.append("---- ").append(p.name).append('\n').append(p.output());
    }
    return sb.toString();
  }
}
