package io.framewise.core.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes a job's daemon worker threads and remembers them, so the job can wait until every one has
 * really ended (an executor's termination only says that its tasks are done) before it returns or
 * throws: nothing of a finished job keeps running.
 */
public final class WorkerThreads implements ThreadFactory {

  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();

  public WorkerThreads(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, prefix + count.incrementAndGet());
    t.setDaemon(true);
    synchronized (threads) {
      threads.add(t);
    }
    return t;
  }

  /** Interrupts every thread made so far. */
  void interruptAll() {
    for (Thread t : snapshot()) {
      t.interrupt();
    }
  }

  /**
   * Waits up to {@code timeout} for every thread made so far to end; keeps the caller's interrupt
   * status.
   *
   * @return true when all ended
   */
  public boolean joinAll(long timeout, TimeUnit unit) {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    boolean interrupted = false;
    try {
      for (Thread t : snapshot()) {
        while (t.isAlive()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          try {
            TimeUnit.NANOSECONDS.timedJoin(t, left);
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private List<Thread> snapshot() {
    synchronized (threads) {
      return new ArrayList<>(threads);
    }
  }
}
