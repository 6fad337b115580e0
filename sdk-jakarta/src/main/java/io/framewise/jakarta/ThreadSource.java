package io.framewise.jakarta;

import jakarta.enterprise.inject.Instance;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.jspecify.annotations.Nullable;

/**
 * Where a produced detector's threads come from, found in this order: an {@link Executor} or
 * {@link ThreadFactory} bean qualified {@link Framewise}; the managed executor named by
 * {@value FramewiseConfig#EXECUTOR}; the managed thread factory named by
 * {@value FramewiseConfig#THREAD_FACTORY} (by default Jakarta EE's default one). Where none is found
 * (a plain CDI container without JNDI, or {@code framewise.thread-factory=none}) the SDK starts its
 * own threads.
 *
 * @param executor the executor, or null
 * @param threadFactory the thread factory, or null
 * @param description what was chosen, for the log
 */
record ThreadSource(@Nullable Executor executor, @Nullable ThreadFactory threadFactory, String description) {

  static ThreadSource find(FramewiseConfig config, Instance<Executor> executors, Instance<ThreadFactory> threadFactories) {
    if (executors.isResolvable()) {
      return new ThreadSource(executors.get(), null, "the application's @Framewise Executor");
    }
    if (threadFactories.isResolvable()) {
      return new ThreadSource(null, threadFactories.get(), "the application's @Framewise ThreadFactory");
    }
    String executorName = config.executor().orElse(null);
    if (executorName != null) {
      Object found = lookup(FramewiseConfig.EXECUTOR, executorName, true);
      if (!(found instanceof Executor e)) {
        throw notA(FramewiseConfig.EXECUTOR, executorName, found, "Executor (a ManagedExecutorService)");
      }
      return new ThreadSource(e, null, "the managed executor " + executorName);
    }
    String factoryName = config.threadFactory().orElse(null);
    if (factoryName == null) {
      return new ThreadSource(null, null, "Framewise's own threads (" + FramewiseConfig.THREAD_FACTORY + "=none)");
    }
    boolean required = !factoryName.equals(FramewiseConfig.DEFAULT_THREAD_FACTORY);
    Object found = lookup(FramewiseConfig.THREAD_FACTORY, factoryName, required);
    if (found == null) {
      return new ThreadSource(null, null, "Framewise's own threads (no " + factoryName + " here: not a Jakarta EE server)");
    }
    if (!(found instanceof ThreadFactory f)) {
      throw notA(FramewiseConfig.THREAD_FACTORY, factoryName, found, "ThreadFactory (a ManagedThreadFactory)");
    }
    return new ThreadSource(null, f, "the managed thread factory " + factoryName);
  }

  private static @Nullable Object lookup(String key, String name, boolean required) {
    try {
      return new InitialContext().lookup(name);
    } catch (NamingException | RuntimeException e) {
      if (required) {
        throw new FramewiseConfigException("FW-872", key, key + "='" + name + "': the JNDI lookup failed: " + e, e);
      }
      return null;
    }
  }

  private static FramewiseConfigException notA(String key, String name, @Nullable Object found, String what) {
    String actual = found == null ? "null" : found.getClass().getName();
    return new FramewiseConfigException("FW-872", key, key + "='" + name + "' names a " + actual + ", not a " + what);
  }
}
