package io.framewise.jakarta;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Stands for a container's ManagedExecutorService: an unbounded pool of threads named {@code executor-N}. */
@ApplicationScoped
public class TestExecutor {

  static final AtomicInteger TASKS = new AtomicInteger();
  private static final AtomicInteger THREADS = new AtomicInteger();
  static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "executor-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  @Produces
  @Framewise
  Executor executor() {
    return task -> {
      TASKS.incrementAndGet();
      POOL.execute(task);
    };
  }
}
