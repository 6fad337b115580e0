package io.framewise.jakarta;

import io.framewise.DetectionJob;
import io.framewise.VideoDetector;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Starts jobs on the application's detector with the configured model and job options
 * ({@link FramewiseConfig#configure(DetectionJob)}): what most of an application needs to inject.
 *
 * <pre>{@code
 * @Inject FramewiseJobs jobs;
 *
 * DetectionSummary analyse(Path upload, OutputStream out) {
 *   return jobs.newJob(upload).writeJson(out);
 * }
 * }</pre>
 *
 * <h2>Thread safety</h2>
 * Thread-safe; each job it returns is single-use and confined to one thread.
 *
 * @since 0.1
 */
@ApplicationScoped
public class FramewiseJobs {

  private final VideoDetector detector;
  private final FramewiseConfig config;

  /** For CDI's client proxy. */
  protected FramewiseJobs() {
    this.detector = null;
    this.config = null;
  }

  /**
   * Creates the bean.
   *
   * @param detector the application's detector
   * @param config the settings
   */
  @Inject
  public FramewiseJobs(VideoDetector detector, FramewiseConfig config) {
    this.detector = Objects.requireNonNull(detector, "detector");
    this.config = Objects.requireNonNull(config, "config");
  }

  /**
   * Starts a job on a local video with the configured options.
   *
   * @param video the video file
   * @return a new single-use job
   * @throws IllegalStateException if the detector is closed
   */
  public DetectionJob newJob(Path video) {
    return config.configure(detector.newJob(video));
  }

  /**
   * Starts a job on a video named by a URI with the configured options; remote schemes must be
   * allowed by {@value FramewiseConfig#REMOTE_INPUT}.
   *
   * @param video the video's URI
   * @return a new single-use job
   * @throws io.framewise.RefusedInputException if the URI's scheme is not allowed
   * @throws IllegalStateException if the detector is closed
   */
  public DetectionJob newJob(URI video) {
    return config.configure(detector.newJob(video));
  }

  /**
   * Returns the application's detector.
   *
   * @return the detector
   */
  public VideoDetector detector() {
    return detector;
  }

  /**
   * Returns the settings.
   *
   * @return the settings
   */
  public FramewiseConfig config() {
    return config;
  }
}
