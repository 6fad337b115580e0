package io.framewise.samples.cli;

import io.framewise.Progress;
import io.framewise.ProgressListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/** Redraws one progress line on a terminal with {@code '\r'}; {@link #end()} finishes it. */
final class ConsoleProgress implements ProgressListener {

  private final PrintStream err;
  private int lastLength;
  private boolean open;

  ConsoleProgress(PrintStream err) {
    this.err = err;
  }

  @Override
  public void onProgress(Progress p) {
    String line = format(p);
    StringBuilder sb = new StringBuilder(line.length() + 8).append('\r').append(line);
    for (int i = line.length(); i < lastLength; i++) {
      sb.append(' '); // wipe the rest of a longer previous line
    }
    lastLength = line.length();
    open = true;
    err.print(sb);
    err.flush();
  }

  /** Ends the progress line, if one was drawn. Idempotent. */
  void end() {
    if (open) {
      open = false;
      err.println();
      err.flush();
    }
  }

  /**
   * The progress line: frames covered of the total (the video's frames, whether the model ran on them or
   * {@code --stride} skipped them), then, when it differs, how many of them the model processed (the
   * summary's count), speed in frames covered per second, ETA. For example
   * {@code frames 1394/1394 (100%), 140 processed, 98.1 fps, ETA 0:00}.
   */
  static String format(Progress p) {
    StringBuilder sb = new StringBuilder("frames ").append(p.framesDone());
    if (p.framesTotal() > 0) {
      sb.append('/').append(p.framesTotal())
          .append(String.format(Locale.ROOT, " (%3.0f%%)", 100 * p.fraction()));
    }
    if (p.framesProcessed() != p.framesDone()) {
      sb.append(", ").append(p.framesProcessed()).append(" processed");
    }
    sb.append(String.format(Locale.ROOT, ", %.1f fps", p.fps()));
    Duration eta = p.eta();
    if (eta != null) {
      sb.append(", ETA ").append(duration(eta));
    }
    return sb.toString();
  }

  static String duration(Duration d) {
    long s = Math.max(0, d.toSeconds());
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
