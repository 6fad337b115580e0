package io.framewise.samples.rest;

import io.framewise.DataSize;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The service's settings, read once through MicroProfile Config (system properties, environment
 * variables such as {@code FRAMEWISE_REST_MAX_JOBS}, {@code META-INF/microprofile-config.properties}):
 * The model, labels and job options are framewise-jakarta's ({@code framewise.model}, {@code framewise.labels},
 * ..., docs/jakarta.md); these are the service's own:
 * <ul>
 *   <li>{@code framewise.rest.max-upload} (default {@code 2GiB}): the largest upload accepted;
 *   <li>{@code framewise.rest.max-jobs} (default 2): jobs queued or running at once; more are refused;
 *   <li>{@code framewise.rest.work-dir} (default a new temporary folder): where uploads and results live;
 *   <li>{@code framewise.rest.retention} (default 60, minutes): how long a finished job's video and result
 *       are kept for {@code /result} and {@code /frames} before they are deleted.
 * </ul>
 */
@ApplicationScoped
public class RestConfig {

  private final long maxUpload;
  private final int maxJobs;
  private final Optional<Path> workDir;
  private final Duration retention;

  /** Reads the settings. */
  public RestConfig() {
    Config c = ConfigProvider.getConfig(RestConfig.class.getClassLoader());
    this.maxUpload = DataSize.parse(c.getOptionalValue("framewise.rest.max-upload", String.class).orElse("2GiB")).bytes();
    this.maxJobs = c.getOptionalValue("framewise.rest.max-jobs", Integer.class).orElse(2);
    this.workDir = c.getOptionalValue("framewise.rest.work-dir", String.class).map(Path::of);
    this.retention = Duration.ofMinutes(c.getOptionalValue("framewise.rest.retention", Long.class).orElse(60L));
    if (maxJobs < 1) {
      throw new IllegalArgumentException("framewise.rest.max-jobs must be at least 1, was " + maxJobs);
    }
  }

  /** {@return the largest upload, in bytes} */
  public long maxUpload() {
    return maxUpload;
  }

  /** {@return how many jobs may be queued or running at once} */
  public int maxJobs() {
    return maxJobs;
  }

  /** {@return the folder for uploads and results, if configured} */
  public Optional<Path> workDir() {
    return workDir;
  }

  /** {@return how long a finished job's files are kept} */
  public Duration retention() {
    return retention;
  }
}
