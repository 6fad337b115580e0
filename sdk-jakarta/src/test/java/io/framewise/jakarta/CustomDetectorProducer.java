package io.framewise.jakarta;

import io.framewise.VideoDetector;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An application's own detector producer, as docs/jakarta.md shows it: an alternative selected for the
 * whole application by {@code @Priority} on its class (the form every CDI version reads).
 */
@ApplicationScoped
@Alternative
@Priority(Interceptor.Priority.APPLICATION)
public class CustomDetectorProducer {

  static final List<VideoDetector> made = new CopyOnWriteArrayList<>();
  static final List<VideoDetector> closed = new CopyOnWriteArrayList<>();

  @Produces
  @Singleton
  VideoDetector detector(FramewiseConfig config) {
    VideoDetector d = config.configure(VideoDetector.builder()).intraOpThreads(1).build();
    made.add(d);
    return d;
  }

  void close(@Disposes VideoDetector detector) {
    closed.add(detector);
    detector.close();
  }
}
