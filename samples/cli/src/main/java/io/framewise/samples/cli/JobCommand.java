package io.framewise.samples.cli;

import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.JobError;
import io.framewise.Printable;
import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** What detect and demo share: --verbose, logging set-up, progress and the summary line. */
abstract class JobCommand implements Callable<Integer>, FramewiseCli.Streams {

  @Spec CommandSpec spec;

  @Option(names = "--verbose", description = "Log at debug level, and print stack traces on errors.")
  boolean verbose;

  PrintStream out = System.out;
  PrintStream err = System.err;
  private @Nullable ConsoleProgress progress;

  @Override
  public final void streams(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public final boolean verbose() {
    return verbose;
  }

  @Override
  public final Integer call() throws Exception {
    Logging.configure(verbose); // before the SDK creates its first logger
    return execute();
  }

  abstract int execute() throws Exception;

  /** Shows progress on stderr, only when a terminal is attached. */
  final DetectionJob withProgress(DetectionJob job) {
    if (isTerminal()) {
      progress = new ConsoleProgress(err);
      job.progress(progress);
    }
    return job;
  }

  /**
   * Tells whether a terminal is attached: {@code System.console() != null} (on JDK 17, stdin and
   * stdout are a terminal). From JDK 22 {@code System.console()} is non-null even when redirected,
   * so {@code Console.isTerminal()} is asked there too.
   */
  static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return true; // before JDK 22 a non-null console is a terminal
    }
  }

  @Override
  public final void endProgressLine() {
    if (progress != null) {
      progress.end();
    }
  }

  final ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** One line on stderr: frames, detections, seconds, where the JSON went, and INCOMPLETE: why. */
  final void printSummary(String video, DetectionSummary s, long nanos, String destination) {
    err.println(summaryLine(video, s, nanos, destination));
    err.flush();
  }

  /**
   * The summary line, in the progress line's terms ({@link ConsoleProgress#format}): frames the model
   * processed and, when {@code --stride} or {@code --keyframes-only} made it fewer, "of" the frames the
   * video has; speed in the video's frames per second, as the progress line counts it. For example
   * {@code clip.mp4: 140 of 1394 frames processed, 55 detections, 14.2 s (98.1 fps) -> out.json}.
   */
  static String summaryLine(String video, DetectionSummary s, long nanos, String destination) {
    double seconds = nanos / 1e9;
    StringBuilder sb = new StringBuilder(Printable.escape(video)).append(": ");
    if (s.framesProcessed() != s.framesDecoded()) {
      sb.append(s.framesProcessed()).append(" of ").append(s.framesDecoded()).append(" frames processed, ");
    } else {
      sb.append(s.framesProcessed()).append(" frames, ");
    }
    sb.append(s.detections()).append(" detections, ")
        .append(String.format(Locale.ROOT, "%.1f s (%.1f fps)", seconds, s.framesDecoded() / Math.max(seconds, 1e-9)))
        .append(" -> ").append(Printable.escape(destination));
    if (!s.complete()) {
      sb.append("; INCOMPLETE: ").append(s.framesFailed()).append(" of ").append(s.framesDecoded())
          .append(" frame(s) failed");
      if (!s.errors().isEmpty()) {
        JobError first = s.errors().get(0);
        sb.append(", ").append(s.errors().size()).append(" error(s), first: ")
            .append(Printable.escape(first.message().strip()).replaceAll("\\s+", " ")).append(" (").append(first.code()).append(')');
      }
    }
    return sb.toString();
  }
}
