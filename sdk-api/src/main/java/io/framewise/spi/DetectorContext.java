package io.framewise.spi;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Delayed;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What one {@link io.framewise.VideoDetector} owns and lends to its jobs' engine and providers: its
 * {@linkplain DetectorSettings settings}, the threads it may use, a timer, and resources such as the
 * model sessions and video indexes it keeps, which {@link #close()} releases.
 *
 * <h2>Threads</h2>
 * Every Java thread a job needs (segment and inference workers, the job of an asynchronous run, the
 * timer of idle eviction and timeouts) comes from {@link #startWorker} and {@link #schedule}:
 * <ul>
 *   <li>with a {@link ThreadFactory} (for example a {@code ManagedThreadFactory}), each worker is a
 *       thread it makes, and the timer is one thread it makes, started on first use;
 *   <li>with an {@link Executor} (for example a {@code ManagedExecutorService}), each worker is a task
 *       run on it; a {@link ScheduledExecutorService} also runs the timer; a plain executor runs the
 *       timer as one task that stays while something is scheduled (an idle session waiting to expire,
 *       a job with a timeout) and ends when nothing is;
 *   <li>with neither, the context makes daemon threads named {@code framewise-*}.
 * </ul>
 * Native libraries keep their own threads: ONNX Runtime's intra-op pool and FFmpeg's decoding threads
 * are native threads no Java executor can own ({@code docs/embedding.md}).
 *
 * <h2>Thread safety</h2>
 * Thread-safe.
 *
 * @since 0.3
 */
public final class DetectorContext implements AutoCloseable {

  private static final class SharedHolder {
    static final DetectorContext INSTANCE = new DetectorContext(DetectorSettings.fromSystem(), null, null);
  }

  private final DetectorSettings settings;
  private final @Nullable Executor executor;
  private final ThreadFactory threadFactory;
  private final boolean ownThreads;
  private final Map<Class<?>, AutoCloseable> resources = new LinkedHashMap<>();
  private final Object lock = new Object();
  private @Nullable ScheduledThreadPoolExecutor timer;
  private @Nullable ExecutorTimer executorTimer;
  private boolean closed;

  private DetectorContext(DetectorSettings settings, @Nullable Executor executor, @Nullable ThreadFactory threadFactory) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.executor = executor;
    this.ownThreads = executor == null && threadFactory == null;
    this.threadFactory = threadFactory != null ? threadFactory : new DaemonThreads("framewise-");
  }

  /**
   * Creates a context. Give at most one of {@code executor} and {@code threadFactory}.
   *
   * @param settings the detector's settings
   * @param executor runs every worker and, when it is a {@link ScheduledExecutorService}, the timer; or null
   * @param threadFactory makes every thread; or null
   * @return a new context; close it when the detector closes
   * @throws IllegalArgumentException if both an executor and a thread factory are given
   */
  public static DetectorContext create(DetectorSettings settings, @Nullable Executor executor, @Nullable ThreadFactory threadFactory) {
    if (executor != null && threadFactory != null) {
      throw new IllegalArgumentException("give an executor or a thread factory, not both");
    }
    return new DetectorContext(settings, executor, threadFactory);
  }

  /**
   * The process-wide context: the one of {@link io.framewise.VideoDetector#open} and of a
   * {@link JobConfig} made without one. Settings from {@link DetectorSettings#fromSystem()} read once,
   * its own daemon threads; never closed.
   *
   * @return the shared context
   */
  public static DetectorContext shared() {
    return SharedHolder.INSTANCE;
  }

  /**
   * Returns the settings.
   *
   * @return the detector's settings
   */
  public DetectorSettings settings() {
    return settings;
  }

  /**
   * Tells whether the context makes its own threads (no executor and no thread factory was given).
   *
   * @return true when threads are the context's own daemon threads
   */
  public boolean ownsThreads() {
    return ownThreads;
  }

  /**
   * Starts a long-running worker: a thread from the thread factory, a task on the executor, or a
   * daemon thread named {@code framewise-<name>-N}.
   *
   * @param name what the worker does (names the context's own threads only; a given factory names its threads)
   * @param task the work
   * @return a handle to interrupt and wait for it
   * @throws RejectedExecutionException if the executor refuses the task or the factory makes no thread
   * @throws IllegalStateException if the context is closed
   */
  public Worker startWorker(String name, Runnable task) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(task, "task");
    requireOpen();
    WorkerTask w = new WorkerTask(task);
    if (executor != null) {
      executor.execute(w);
      return w;
    }
    Thread t = threadFactory instanceof DaemonThreads own ? own.newThread(w, name) : threadFactory.newThread(w);
    if (t == null) {
      throw new RejectedExecutionException("the thread factory made no thread for " + name);
    }
    t.start();
    return w;
  }

  /**
   * Runs {@code task} once after {@code delay} on the context's timer (see the class description).
   *
   * @param task what to run; it should be quick
   * @param delay how long to wait
   * @param unit the unit of {@code delay}
   * @return a future that cancels the task
   * @throws IllegalStateException if the context is closed
   */
  public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(unit, "unit");
    synchronized (lock) {
      requireOpen();
      if (executor instanceof ScheduledExecutorService ses) {
        return ses.schedule(task, delay, unit);
      }
      if (executor != null) {
        if (executorTimer == null) {
          executorTimer = new ExecutorTimer(executor);
        }
        return executorTimer.schedule(task, unit.toNanos(delay));
      }
      if (timer == null) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, threadFactory instanceof DaemonThreads own
            ? r -> own.newThread(r, "timer") : threadFactory);
        t.setRemoveOnCancelPolicy(true);
        t.setKeepAliveTime(1, TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true); // no thread while nothing is scheduled
        timer = t;
      }
      return timer.schedule(task, delay, unit);
    }
  }

  /**
   * Returns the context's single instance of a resource, creating it on first use. Resources are
   * closed, last created first, when the context closes: this is how a detector owns, for example, the
   * model sessions a provider loaded for it.
   *
   * @param type the resource's class, its key
   * @param factory makes it, given this context
   * @param <T> the resource's type
   * @return the resource
   * @throws IllegalStateException if the context is closed
   */
  public <T extends AutoCloseable> T resource(Class<T> type, Function<DetectorContext, T> factory) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(factory, "factory");
    synchronized (lock) {
      requireOpen();
      AutoCloseable r = resources.get(type);
      if (r == null) {
        r = Objects.requireNonNull(factory.apply(this), "factory returned null");
        resources.put(type, r);
      }
      return type.cast(r);
    }
  }

  /**
   * Tells whether {@link #close()} was called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /**
   * Closes every resource (last created first), stops the timer the context made, and refuses new
   * workers. Workers already running are not stopped: their jobs end on their own. Idempotent. The
   * {@linkplain #shared() shared} context cannot be closed.
   *
   * @throws IllegalStateException if this is the shared context
   */
  @Override
  public void close() {
    if (this == SharedHolder.INSTANCE) {
      throw new IllegalStateException("the shared context is never closed");
    }
    Deque<AutoCloseable> toClose = new ArrayDeque<>();
    ScheduledThreadPoolExecutor t;
    ExecutorTimer et;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      resources.values().forEach(toClose::push);
      resources.clear();
      t = timer;
      et = executorTimer;
    }
    RuntimeException failure = null;
    for (AutoCloseable r : toClose) {
      try {
        r.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("closing a detector resource failed: " + e, e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (t != null) {
      t.shutdownNow();
    }
    if (et != null) {
      et.close();
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the detector is closed");
    }
  }

  /**
   * A started worker.
   *
   * @since 0.3
   */
  public interface Worker {

    /** Interrupts the worker while it runs its task (once it runs, if it has not started yet). */
    void interrupt();

    /**
     * Waits for the worker's task to end.
     *
     * @param timeout the longest wait
     * @param unit its unit
     * @return true when it ended
     * @throws InterruptedException if the waiting thread is interrupted
     */
    boolean join(long timeout, TimeUnit unit) throws InterruptedException;

    /**
     * Tells whether the task has not ended yet.
     *
     * @return true until the task has ended
     */
    boolean isAlive();
  }

  /** Runs a task, remembering its thread while it runs so that it can be interrupted, and nothing after. */
  private static final class WorkerTask implements Runnable, Worker {
    private final Runnable task;
    private final CountDownLatch ended = new CountDownLatch(1);
    private @Nullable Thread thread;
    private boolean interruptRequested;
    private boolean done;

    WorkerTask(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      synchronized (this) {
        thread = Thread.currentThread();
        if (interruptRequested) {
          thread.interrupt();
        }
      }
      try {
        task.run();
      } finally {
        synchronized (this) {
          thread = null;
          done = true;
          if (interruptRequested) {
            Thread.interrupted(); // ours: a pooled thread goes back uninterrupted
          }
        }
        ended.countDown();
      }
    }

    @Override
    public synchronized void interrupt() {
      interruptRequested = true;
      if (thread != null) {
        thread.interrupt();
      }
    }

    @Override
    public boolean join(long timeout, TimeUnit unit) throws InterruptedException {
      return ended.await(timeout, unit);
    }

    @Override
    public synchronized boolean isAlive() {
      return !done;
    }
  }

  /** The context's own daemon threads. */
  private static final class DaemonThreads implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();

    DaemonThreads(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable r) {
      return newThread(r, "thread");
    }

    Thread newThread(Runnable r, String name) {
      Thread t = new Thread(r, prefix + name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }

  /**
   * A timer on a plain executor: one task that waits for the next due entry and runs it, and ends
   * when nothing is scheduled.
   */
  private static final class ExecutorTimer {
    private final Executor executor;
    private final DelayQueue<Entry> queue = new DelayQueue<>();
    private boolean running;
    private boolean closed;
    private @Nullable Thread loopThread;

    ExecutorTimer(Executor executor) {
      this.executor = executor;
    }

    Future<?> schedule(Runnable task, long delayNanos) {
      Entry e = new Entry(task, System.nanoTime() + Math.max(0, delayNanos), this);
      synchronized (this) {
        queue.add(e);
        if (!running) {
          running = true;
          try {
            executor.execute(this::loop);
          } catch (RuntimeException ex) {
            running = false;
            queue.remove(e);
            throw ex;
          }
        }
      }
      return e;
    }

    private void loop() {
      synchronized (this) {
        loopThread = Thread.currentThread();
      }
      try {
        while (true) {
          Entry e = queue.poll(1, TimeUnit.SECONDS);
          if (e == null) {
            synchronized (this) {
              if (closed || queue.isEmpty()) {
                running = false;
                return;
              }
            }
            continue;
          }
          e.run();
        }
      } catch (InterruptedException e) {
        synchronized (this) {
          running = false;
        }
      } finally {
        synchronized (this) {
          loopThread = null;
          Thread.interrupted();
        }
      }
    }

    void close() {
      synchronized (this) {
        closed = true;
        queue.clear();
        if (loopThread != null) {
          loopThread.interrupt();
        }
      }
    }

    void cancelled(Entry e) {
      queue.remove(e);
    }
  }

  private static final class Entry extends FutureTask<Void> implements Delayed {
    private final long due;
    private final ExecutorTimer timer;

    Entry(Runnable task, long due, ExecutorTimer timer) {
      super(task, null);
      this.due = due;
      this.timer = timer;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean c = super.cancel(mayInterruptIfRunning);
      timer.cancelled(this);
      return c;
    }
  }
}
