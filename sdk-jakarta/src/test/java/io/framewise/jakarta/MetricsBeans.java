package io.framewise.jakarta;

import io.framewise.JobObserver;
import io.framewise.micrometer.FramewiseMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** An application's metrics, as docs/jakarta.md shows them: its registry, and FramewiseMetrics as a JobObserver bean. */
@ApplicationScoped
public class MetricsBeans {

  @Produces
  @Singleton
  MeterRegistry registry() {
    return new SimpleMeterRegistry();
  }

  @Produces
  @Singleton
  JobObserver framewiseMetrics(MeterRegistry registry) {
    FramewiseMetrics metrics = new FramewiseMetrics();
    metrics.bindTo(registry);
    return metrics;
  }
}
