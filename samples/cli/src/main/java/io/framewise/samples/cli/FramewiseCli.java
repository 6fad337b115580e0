package io.framewise.samples.cli;

import io.framewise.InvalidOutputException;
import io.framewise.JobCancelledException;
import io.framewise.MediaException;
import io.framewise.ModelException;
import io.framewise.Printable;
import io.framewise.ResourceLimitException;
import io.framewise.VideoDetectorException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code framewise} command: {@code detect} runs a detector over a video and writes the JSON,
 * {@code render} draws a result's boxes on the video, {@code demo} runs the whole pipeline on a generated
 * video and detector and checks the result.
 *
 * <p>Exit codes: {@value #OK} success; {@value #USAGE} usage error; {@value #MEDIA} unreadable or
 * invalid video, or an incomplete result; {@value #MODEL} invalid model; {@value #FAILURE} anything
 * else; 130 (SIGINT) or 143 (SIGTERM) when a signal stopped the job ({@link SignalStop}).
 */
@Command(
    name = "framewise",
    mixinStandardHelpOptions = true,
    versionProvider = FramewiseCli.Version.class,
    description = "Runs ONNX object detectors over videos and writes one JSON document per video.",
    subcommands = {DetectCommand.class, RenderCommand.class, DemoCommand.class, SubmitCommand.class, WorkerCommand.class,
        BrokerCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:any other failure",
        "2:usage error (bad or missing arguments)",
        "3:unreadable or invalid video, or an incomplete result (the JSON says complete:false)",
        "4:invalid model",
        "130:stopped by SIGINT (Ctrl-C): the job is cancelled and leaves no partial file",
        "143:stopped by SIGTERM, likewise"})
public final class FramewiseCli implements Callable<Integer> {

  /** The job finished and its result is complete. */
  public static final int OK = 0;
  /** Any failure not covered by a more specific code. */
  public static final int FAILURE = 1;
  /** Bad command-line arguments. */
  public static final int USAGE = 2;
  /** The video cannot be read or is invalid, or the result is incomplete. */
  public static final int MEDIA = 3;
  /** The model cannot be used. */
  public static final int MODEL = 4;
  /** The job was cancelled: stopped by SIGINT (128 + 2). SIGTERM ends the process with 143 (128 + 15). */
  public static final int INTERRUPTED = 130;

  @Spec CommandSpec spec;

  /**
   * Runs the CLI and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    SignalStop.install();
    // log lines name files as they are: no control character of theirs reaches the terminal
    System.setErr(EscapingStream.wrap(System.err));
    System.exit(run(System.out, System.err, args));
  }

  /**
   * Runs the CLI in-process.
   *
   * @param out where results, help and the version go (detect's JSON when there is no --out)
   * @param err where errors, progress and the summary go
   * @param args the command line
   * @return the exit code
   */
  public static int run(PrintStream out, PrintStream err, String... args) {
    CommandLine cli = new CommandLine(new FramewiseCli());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setParameterExceptionHandler(FramewiseCli::handleParameterException);
    cli.setExecutionExceptionHandler(FramewiseCli::handleExecutionException);
    cli.setExitCodeExceptionMapper(FramewiseCli::exitCode);
    // Commands write to these directly (JSON, reports), next to picocli's own writers.
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (sub.getCommand() instanceof Streams s) {
        s.streams(out, err);
      }
    }
    return cli.execute(args);
  }

  /** Without a subcommand: show the usage on stderr, as a usage error. */
  @Override
  public Integer call() {
    spec.commandLine().getErr().println("framewise: missing command (detect, render, demo, submit, worker, broker or help)");
    spec.commandLine().usage(spec.commandLine().getErr());
    return USAGE;
  }

  /**
   * Maps a failure to the exit code.
   *
   * @param e the failure
   * @return {@link #MEDIA}, {@link #MODEL} or {@link #FAILURE}
   */
  static int exitCode(Throwable e) {
    if (e instanceof MediaException) {
      return MEDIA;
    }
    if (e instanceof ModelException) {
      return MODEL;
    }
    if (e instanceof RenderCommand.Failure f) {
      return f.exitCode();
    }
    if (e instanceof JobCancelledException) {
      return SignalStop.exitStatus();
    }
    if (e instanceof CommandLine.ParameterException || e instanceof InvalidOutputException) {
      return USAGE; // an --out that is an input, a directory, ...: refused before any work
    }
    return FAILURE;
  }

  /** Usage errors: the problem and where to find help, instead of the whole usage text. */
  private static int handleParameterException(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("framewise: " + oneLine(e));
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
    err.flush();
    return USAGE;
  }

  /** One line {@code framewise: <message>} on stderr; the stack trace only with --verbose. */
  private static int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    if (cmd.getCommand() instanceof Streams s) {
      s.endProgressLine();
    }
    if (e instanceof JobCancelledException && SignalStop.stopping()) {
      if (SignalStop.signalled()) {
        err.println(SignalStop.line()); // else the shutdown hook prints it
        err.flush();
      }
      return exitCode(e);
    }
    boolean verbose = cmd.getCommand() instanceof Streams s && s.verbose();
    String line = oneLine(e);
    if (e instanceof ResourceLimitException) {
      // The SDK names its own settings; say which options set them here.
      line += "; options: maxHeap is --max-heap, batchSize --batch, parallelism --parallelism";
    }
    err.println("framewise: " + line);
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return exitCode(e);
  }

  /**
   * The exception's message on one line. The SDK's messages already name the file and the code;
   * anything else (a bug, most likely) also gets its class name.
   */
  static String oneLine(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.toString();
    }
    if (!(e instanceof VideoDetectorException || e instanceof UncheckedIOException || e instanceof RenderCommand.Failure
        || e instanceof CommandLine.ParameterException)) {
      message = e.getClass().getSimpleName() + ": " + message;
    }
    // Never let a message break the line or send control characters to a terminal: they are shown escaped
    // (the SDK's messages already are), other whitespace runs become one space.
    return Printable.escape(message.strip()).replaceAll("\\s+", " ");
  }

  /** What every subcommand needs from {@link #run}: the caller's streams and --verbose. */
  interface Streams {
    /** Sets the streams the command writes to. */
    void streams(PrintStream out, PrintStream err);

    /** {@return whether --verbose was given} */
    boolean verbose();

    /** Ends a progress line that is still open, so that an error starts on a line of its own. */
    void endProgressLine();
  }

  /** The version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"framewise " + version(), "Java " + System.getProperty("java.version") + " ("
          + System.getProperty("java.vm.name") + "), " + System.getProperty("os.name") + " "
          + System.getProperty("os.arch") + ", " + Charset.defaultCharset()};
    }

    static String version() {
      String v = FramewiseCli.class.getPackage().getImplementationVersion();
      return v == null || v.isBlank() ? "dev" : v;
    }
  }
}
