package io.framewise.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.spi.DetectorContext;
import io.framewise.spi.DetectorSettings;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The detector context's workers, timer and resources on a plain executor (the hardest case: no thread
 * of its own, no scheduling methods): a worker is interrupted only while it runs and the pooled thread
 * goes back clean; the timer runs on time as a task that ends when nothing is scheduled; close()
 * closes resources newest first and refuses new timers.
 */
class DetectorContextTest {

  @Test
  void workerOnAnExecutor_interruptReachesTheTask_andThePooledThreadGoesBackClean() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
    try (DetectorContext context = DetectorContext.create(DetectorSettings.fromSystem(), pool, null)) {
      CountDownLatch running = new CountDownLatch(1);
      AtomicBoolean interrupted = new AtomicBoolean();
      DetectorContext.Worker w = context.startWorker("test", () -> {
        running.countDown();
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          interrupted.set(true);
          Thread.currentThread().interrupt(); // left set: the worker must clear it
        }
      });
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(w.isAlive()).isTrue();
      w.interrupt();
      assertThat(w.join(10, TimeUnit.SECONDS)).isTrue();
      assertThat(interrupted).isTrue();
      assertThat(w.isAlive()).isFalse();
      w.interrupt(); // after the end: reaches no one
      AtomicBoolean next = new AtomicBoolean(true);
      pool.submit(() -> next.set(Thread.currentThread().isInterrupted())).get(10, TimeUnit.SECONDS);
      assertThat(next).as("the pool's thread runs its next task uninterrupted").isFalse();
      assertThat(context.ownsThreads()).isFalse();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void timerOnAPlainExecutor_runsOnTime_andEndsWhenNothingIsScheduled() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
    try (DetectorContext context = DetectorContext.create(DetectorSettings.fromSystem(), pool, null)) {
      List<String> ran = new CopyOnWriteArrayList<>();
      long t0 = System.nanoTime();
      CountDownLatch done = new CountDownLatch(2);
      context.schedule(() -> { ran.add("late"); done.countDown(); }, 400, TimeUnit.MILLISECONDS);
      context.schedule(() -> { ran.add("early"); done.countDown(); }, 100, TimeUnit.MILLISECONDS);
      context.schedule(() -> ran.add("cancelled"), 200, TimeUnit.MILLISECONDS).cancel(false);
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ran).containsExactly("early", "late");
      assertThat(ms).isGreaterThanOrEqualTo(400);
      long t1 = System.nanoTime();
      while (pool.getActiveCount() > 0 && System.nanoTime() - t1 < 10_000_000_000L) {
        Thread.sleep(50);
      }
      assertThat(pool.getActiveCount()).as("the timer task ended: nothing is scheduled").isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void close_closesResourcesNewestFirst_andRefusesTimers() {
    List<String> closed = new CopyOnWriteArrayList<>();
    DetectorContext context = DetectorContext.create(DetectorSettings.fromSystem(), null, null);
    final class A implements AutoCloseable {
      @Override
      public void close() {
        closed.add("a");
      }
    }
    final class B implements AutoCloseable {
      @Override
      public void close() {
        closed.add("b");
      }
    }
    A a = context.resource(A.class, c -> new A());
    assertThat(context.resource(A.class, c -> new A())).isSameAs(a);
    context.resource(B.class, c -> new B());
    context.close();
    context.close();
    assertThat(closed).containsExactly("b", "a");
    assertThat(context.isClosed()).isTrue();
    assertThatThrownBy(() -> context.schedule(() -> {}, 1, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> DetectorContext.shared().close()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> DetectorContext.create(DetectorSettings.fromSystem(), Runnable::run, Thread::new))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
