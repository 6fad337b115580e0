package io.framewise.core.pipeline;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A fixed pool of up to {@code size} workers started through {@link WorkerThreads} (so on the
 * detector's thread factory or executor), one more for each task submitted until there are
 * {@code size}: what {@code Executors.newFixedThreadPool} is with a thread factory, for a detector that
 * may only run tasks on an executor.
 */
public final class WorkerPool extends AbstractExecutorService {

  private static final long POLL_MS = 100;

  private final int size;
  private final WorkerThreads threads;
  private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
  /** Guards {@link #started}, {@link #alive}, {@link #shutdown}, {@link #now}. */
  private final Object lock = new Object();
  private int started;
  private int alive;
  private volatile boolean shutdown;
  private volatile boolean now;

  public WorkerPool(int size, WorkerThreads threads) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1, was " + size);
    }
    this.size = size;
    this.threads = threads;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (lock) {
      if (shutdown) {
        throw new RejectedExecutionException("the worker pool is shut down");
      }
      queue.add(task);
      if (started < size) {
        started++;
        alive++;
        try {
          threads.start(this::work);
        } catch (RuntimeException | Error e) {
          started--;
          alive--;
          queue.remove(task);
          throw e;
        }
      }
    }
  }

  private void work() {
    try {
      while (!now) {
        Runnable task;
        try {
          task = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          continue; // shutdownNow sets now first; an interrupt of a task that already ended is dropped
        }
        if (task == null) {
          if (shutdown) {
            return;
          }
          continue;
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          // a task given to execute() directly: like a pool thread, go on with the next one
        }
        Thread.interrupted(); // an interrupt meant for the task just run ends with it
      }
    } finally {
      synchronized (lock) {
        alive--;
        lock.notifyAll();
      }
    }
  }

  @Override
  public void shutdown() {
    synchronized (lock) {
      shutdown = true;
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    List<Runnable> dropped = new java.util.ArrayList<>();
    synchronized (lock) {
      shutdown = true;
      now = true;
      queue.drainTo(dropped);
    }
    threads.interruptAll();
    return dropped;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    synchronized (lock) {
      return shutdown && alive == 0;
    }
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (lock) {
      while (!(shutdown && alive == 0)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }
}
