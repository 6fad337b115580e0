package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.FrameListener;
import io.framewise.JobHandle;
import io.framewise.VideoDetector;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 §1, threads: a detector given a {@link ThreadFactory} or an executor (a container's
 * {@code ManagedThreadFactory} / {@code ManagedExecutorService}) starts no Java thread of its own. Real
 * FFmpeg and ONNX Runtime run an unchunked job (inference pool), a chunked job (segment workers) and an
 * asynchronous job with a timeout and idle eviction (the timer); while they run, every live thread is
 * audited: each one that was not there before must have come from the given factory (or executor).
 */
class ContainerThreadsTest {

  @TempDir static Path dir;
  static Path video;
  static Path model;

  @BeforeAll
  static void media() throws Exception {
    video = SyntheticVideo.builder().size(320, 192).frames(96).gopSize(12).codec("mpeg4").build().write(dir.resolve("clip.mp4"));
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).build().write(dir.resolve("v8.onnx"));
    // Warm the process up with the shared default detector, so that what the libraries start once per
    // process (ONNX Runtime's environment, JavaCPP's deallocator) is there before the audit begins.
    VideoDetector.open(video).model(model).parallelism(1).run(f -> {});
  }

  /** A container's thread factory: counts and remembers the threads it makes. */
  static final class ContainerThreads implements ThreadFactory {
    final Set<Thread> made = ConcurrentHashMap.newKeySet();
    final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "container-" + count.incrementAndGet());
      t.setDaemon(true);
      made.add(t);
      return t;
    }
  }

  /** Samples the live threads while a job runs and keeps every one neither known before nor the container's. */
  static final class Audit implements FrameListener {
    final Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
    final ContainerThreads container;
    final List<String> foreign = new ArrayList<>();
    final Set<String> seenContainer = ConcurrentHashMap.newKeySet();
    int samples;

    Audit(ContainerThreads container) {
      this.container = container;
    }

    synchronized void sample() {
      samples++;
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (before.contains(t)) {
          continue;
        }
        if (container.made.contains(t)) {
          seenContainer.add(t.getName());
        } else if (!foreign.contains(t.getName())) {
          foreign.add(t.getName());
        }
      }
    }

    @Override
    public void onFrame(FrameDetections frame) {
      if (frame.frameId() % 4 == 0) {
        sample();
      }
    }
  }

  @Test
  void threadFactory_unchunkedChunkedAndAsync_startNoThreadOutsideIt() throws Exception {
    ContainerThreads container = new ContainerThreads();
    Audit audit = new Audit(container);
    try (VideoDetector detector = VideoDetector.builder().threadFactory(container).idleTimeout(Duration.ofMillis(200)).build()) {
      DetectionSummary plain = detector.newJob(video).model(model).parallelism(2).run(audit);
      DetectionSummary chunked = detector.newJob(video).model(model).chunkSize(Duration.ofMillis(500)).parallelism(2).run(audit);
      JobHandle async = detector.newJob(video).model(model).parallelism(2).timeout(Duration.ofMinutes(5)).runAsync(audit);
      DetectionSummary third = async.await();
      Thread.sleep(600); // idle eviction on the timer
      audit.sample();
      assertThat(plain.framesProcessed()).isEqualTo(96);
      assertThat(chunked.framesProcessed()).isEqualTo(96);
      assertThat(third.framesProcessed()).isEqualTo(96);
    }
    audit.sample();
    System.out.println("ContainerThreadsTest: factory made " + container.count.get() + " thread(s), seen " + audit.seenContainer
        + ", " + audit.samples + " samples, foreign " + audit.foreign);
    assertThat(audit.samples).isGreaterThan(20);
    assertThat(audit.foreign).as("threads started outside the container's factory").isEmpty();
    // inference workers, segment workers, the async job and the timer all came from it
    assertThat(container.count.get()).isGreaterThanOrEqualTo(2 + 2 + 1 + 1);
  }

  @Test
  void executor_unchunkedChunkedAndAsync_runEverythingOnIt() throws Exception {
    ContainerThreads container = new ContainerThreads();
    ThreadPoolExecutor executor = new ThreadPoolExecutor(8, 8, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), container);
    Audit audit = new Audit(container);
    try (VideoDetector detector = VideoDetector.builder().executor(executor).idleTimeout(Duration.ofMillis(200)).build()) {
      DetectionSummary plain = detector.newJob(video).model(model).parallelism(2).run(audit);
      DetectionSummary chunked = detector.newJob(video).model(model).chunkSize(Duration.ofMillis(500)).parallelism(2).run(audit);
      DetectionJob job = detector.newJob(video).model(model).parallelism(2).timeout(Duration.ofMinutes(5));
      DetectionSummary third = job.runAsync(audit).await();
      Thread.sleep(600);
      audit.sample();
      assertThat(plain.framesProcessed()).isEqualTo(96);
      assertThat(chunked.framesProcessed()).isEqualTo(96);
      assertThat(third.framesProcessed()).isEqualTo(96);
    } finally {
      executor.shutdown();
      assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    System.out.println("ContainerThreadsTest: executor ran " + executor.getCompletedTaskCount() + " task(s) on "
        + container.count.get() + " thread(s), foreign " + audit.foreign);
    assertThat(audit.foreign).as("threads started outside the container's executor").isEmpty();
    // 2 inference workers, 2 segment workers, the async job, the timer task (timeout, idle eviction)
    assertThat(executor.getCompletedTaskCount()).isGreaterThanOrEqualTo(6);
  }
}
