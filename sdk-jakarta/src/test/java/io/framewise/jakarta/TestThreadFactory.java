package io.framewise.jakarta;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Stands for a container's ManagedThreadFactory: makes threads named {@code managed-N} and counts them. */
final class TestThreadFactory implements ThreadFactory {

  private static final AtomicInteger CREATED = new AtomicInteger();

  static void reset() {
    CREATED.set(0);
  }

  static int created() {
    return CREATED.get();
  }

  /** Live threads the SDK made itself (named framewise-*), which a detector with a factory must not have. */
  static List<String> sdkThreads() {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("framewise-")) {
        names.add(t.getName());
      }
    }
    return names;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, "managed-" + CREATED.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  /** The application's producer of the factory Framewise is to use. */
  @ApplicationScoped
  public static class Producer {
    @Produces
    @Framewise
    ThreadFactory threads() {
      return new TestThreadFactory();
    }
  }
}
