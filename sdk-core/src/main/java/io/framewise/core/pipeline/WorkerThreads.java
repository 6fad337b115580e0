package io.framewise.core.pipeline;

import io.framewise.spi.DetectorContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a job's workers through its detector's {@link DetectorContext} (a thread of the detector's
 * thread factory, a task on its executor, or a daemon thread of its own) and remembers them, so the job
 * can wait until every one has really ended (an executor's termination only says that its tasks are
 * done) before it returns or throws: nothing of a finished job keeps running.
 */
public final class WorkerThreads {

  private final DetectorContext context;
  private final String name;
  private final List<DetectorContext.Worker> workers = new ArrayList<>();

  /**
   * @param context the detector's context, which makes the threads
   * @param name what the workers do (names the context's own threads)
   */
  public WorkerThreads(DetectorContext context, String name) {
    this.context = context;
    this.name = name;
  }

  /** Starts a worker running {@code task}. */
  public void start(Runnable task) {
    DetectorContext.Worker w = context.startWorker(name, task);
    synchronized (workers) {
      workers.add(w);
    }
  }

  /** Interrupts every worker started so far. */
  public void interruptAll() {
    for (DetectorContext.Worker w : snapshot()) {
      w.interrupt();
    }
  }

  /**
   * Waits up to {@code timeout} for every worker started so far to end; keeps the caller's interrupt
   * status.
   *
   * @return true when all ended
   */
  public boolean joinAll(long timeout, TimeUnit unit) {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    boolean interrupted = false;
    try {
      for (DetectorContext.Worker w : snapshot()) {
        while (w.isAlive()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          try {
            w.join(left, TimeUnit.NANOSECONDS);
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

  private List<DetectorContext.Worker> snapshot() {
    synchronized (workers) {
      return new ArrayList<>(workers);
    }
  }
}
