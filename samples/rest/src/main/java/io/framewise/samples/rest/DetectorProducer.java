package io.framewise.samples.rest;

import io.framewise.VideoDetector;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The application's one {@link VideoDetector}: providers found through the WAR's class loader, closed
 * when the application stops.
 */
@ApplicationScoped
public class DetectorProducer {

  /** {@return the shared detector} (a {@link Singleton}: a final class cannot have a client proxy) */
  @Produces
  @Singleton
  public VideoDetector detector() {
    return VideoDetector.builder().classLoader(DetectorProducer.class.getClassLoader()).build();
  }

  /**
   * Closes the detector at shutdown.
   *
   * @param detector the detector
   */
  public void close(@Disposes VideoDetector detector) {
    detector.close();
  }
}
