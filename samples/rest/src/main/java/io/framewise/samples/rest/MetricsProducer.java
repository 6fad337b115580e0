package io.framewise.samples.rest;

import io.framewise.JobObserver;
import io.framewise.micrometer.FramewiseMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The service's Micrometer registry (in memory; {@code GET /meters} shows it) and framewise-micrometer's
 * meters bound to it. framewise-jakarta's producer adds every {@link JobObserver} bean to the detector, so
 * producing the metrics here is all it takes to count every job.
 */
@ApplicationScoped
public class MetricsProducer {

  /** {@return the registry} */
  @Produces
  @Singleton
  public MeterRegistry registry() {
    return new SimpleMeterRegistry();
  }

  /**
   * Closes the registry at shutdown.
   *
   * @param registry the registry
   */
  public void close(@Disposes MeterRegistry registry) {
    registry.close();
  }

  /**
   * {@return Framewise's meters, bound to the registry and observing the detector's jobs}
   *
   * @param registry the registry
   */
  @Produces
  @Singleton
  public JobObserver framewiseMetrics(MeterRegistry registry) {
    FramewiseMetrics metrics = new FramewiseMetrics();
    metrics.bindTo(registry);
    return metrics;
  }
}
