package io.framewise.gpu;

import io.framewise.VideoDetector;
import java.nio.file.Path;

/** Child JVM of {@link HostileOutputTest}: {@code writeJson(OUT)} where OUT leads to this process's stdout. */
public final class StdoutChild {

  private StdoutChild() {}

  /**
   * Runs one job.
   *
   * @param args VIDEO MODEL OUT
   */
  public static void main(String[] args) {
    boolean complete = VideoDetector.open(Path.of(args[0])).model(Path.of(args[1])).writeJson(Path.of(args[2])).complete();
    System.exit(complete ? 0 : 3);
  }
}
