/**
 * Framewise's jobs as Micrometer meters: {@link io.framewise.micrometer.FramewiseMetrics}, a
 * {@code MeterBinder} and a {@code JobObserver}.
 */
@NullMarked
package io.framewise.micrometer;

import org.jspecify.annotations.NullMarked;
