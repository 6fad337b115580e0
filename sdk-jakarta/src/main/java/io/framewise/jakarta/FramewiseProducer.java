package io.framewise.jakarta;

import io.framewise.JobObserver;
import io.framewise.VideoDetector;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces the application's {@link VideoDetector}: one per application, configured by
 * {@link FramewiseConfig} (MicroProfile Config where the runtime has it), running on the container's
 * managed threads, and closed by the container when the application stops.
 *
 * <pre>{@code
 * @Inject VideoDetector detector;   // or FramewiseJobs, which applies the configured model and options
 * }</pre>
 *
 * <p>The detector is produced {@link Singleton @Singleton}: application-wide like
 * {@code @ApplicationScoped}, but without a client proxy, which CDI cannot make for the final class
 * {@code VideoDetector} (nor needs: the detector is immutable and thread-safe). The settings are
 * produced the same way, so both are read once, when first injected.
 *
 * <h2>Replacing it</h2>
 * An application that builds its own detector declares its producer in a bean class that is an
 * alternative selected with {@code @Priority}; it then replaces this one everywhere,
 * {@link FramewiseJobs} included (produce it {@code @Singleton} or {@code @Dependent}: a final class
 * cannot be {@code @ApplicationScoped}):
 *
 * <pre>{@code
 * @ApplicationScoped @Alternative @Priority(Interceptor.Priority.APPLICATION)
 * public class MyDetector {
 *   @Produces @Singleton
 *   VideoDetector detector(FramewiseConfig config) {
 *     return config.configure(VideoDetector.builder()).classLoader(MyDetector.class.getClassLoader()).build();
 *   }
 *
 *   void close(@Disposes VideoDetector detector) {
 *     detector.close();
 *   }
 * }
 * }</pre>
 *
 * <p>The settings can be replaced the same way, with a producer of {@link FramewiseConfig}.
 *
 * <h2>Threads</h2>
 * The detector's work runs, in this order of preference, on an {@link Executor} or {@link ThreadFactory}
 * bean qualified {@link Framewise}, on the managed executor named by {@value FramewiseConfig#EXECUTOR},
 * or on the managed thread factory named by {@value FramewiseConfig#THREAD_FACTORY} (by default
 * {@value FramewiseConfig#DEFAULT_THREAD_FACTORY}, which every Jakarta EE server has). Outside a
 * server, where none of them exists, the SDK starts its own daemon threads.
 *
 * <h2>Observers</h2>
 * Every {@link JobObserver} bean of the application is added to the detector: that is how a
 * {@code FramewiseMetrics} of {@code framewise-micrometer} sees the jobs (see {@code docs/jakarta.md}).
 *
 * <h2>Lifecycle</h2>
 * The container creates the detector when it is first injected and closes it when the application
 * stops ({@link #close(VideoDetector)}).
 *
 * @since 0.1
 */
@ApplicationScoped
public class FramewiseProducer {

  private static final Logger LOG = LoggerFactory.getLogger(FramewiseProducer.class);

  /** For CDI. */
  public FramewiseProducer() {}

  /**
   * Reads Framewise's settings from the application's configuration.
   *
   * @return the settings
   * @throws FramewiseConfigException if a configured value is not valid
   */
  @Produces
  @Singleton
  public FramewiseConfig config() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return FramewiseConfig.load(loader != null ? loader : FramewiseProducer.class.getClassLoader());
  }

  /**
   * Builds the application's detector.
   *
   * @param config the settings
   * @param executors an application's {@code @Framewise Executor}, if it has one
   * @param threadFactories an application's {@code @Framewise ThreadFactory}, if it has one
   * @param observers the application's {@link JobObserver} beans (metrics, audit), each added to the
   *     detector
   * @return the detector
   * @throws FramewiseConfigException if a configured value is not valid or a configured JNDI name
   *     names no thread factory or executor
   */
  @Produces
  @Singleton
  public VideoDetector detector(FramewiseConfig config, @Framewise Instance<Executor> executors,
      @Framewise Instance<ThreadFactory> threadFactories, @Any Instance<JobObserver> observers) {
    ThreadSource threads = ThreadSource.find(config, executors, threadFactories);
    VideoDetector.Builder builder = config.configure(VideoDetector.builder());
    if (threads.executor() != null) {
      builder.executor(threads.executor());
    } else if (threads.threadFactory() != null) {
      builder.threadFactory(threads.threadFactory());
    }
    int observed = 0;
    for (JobObserver observer : observers) {
      builder.addObserver(observer);
      observed++;
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader != null) {
      builder.classLoader(loader); // the application's providers, not only those beside this module
    }
    VideoDetector detector = builder.build();
    LOG.info("Framewise detector created: settings from {} {}; threads: {}; {} observer(s)", config.source(),
        config.values(), threads.description(), observed);
    return detector;
  }

  /**
   * Closes the detector when the application stops.
   *
   * @param detector the detector this producer made
   */
  public void close(@Disposes VideoDetector detector) {
    detector.close();
    LOG.info("Framewise detector closed");
  }
}
