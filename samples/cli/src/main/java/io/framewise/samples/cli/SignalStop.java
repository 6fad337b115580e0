package io.framewise.samples.cli;

import io.framewise.DetectionJob;
import io.framewise.Printable;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Stops a running job cleanly on SIGINT (Ctrl-C) or SIGTERM ({@code kill}, a container stop): the job
 * is cancelled and unwinds (its worker threads stop, {@code writeJson(Path)} removes its temporary
 * file), one line says what was stopped, and the process exits with 130 (SIGINT) or 143 (SIGTERM).
 *
 * <p>{@link #install()} (called by {@code main} only, never when the CLI runs in-process) puts handlers
 * on both signals. A handler cancels the running job <em>before</em> the JVM begins to shut down, and
 * the main thread, once the job has unwound, prints the line and exits: the JVM's shutdown hooks must
 * not run under a job that is still inferring, because ONNX Runtime's own hook releases its native
 * environment then (a crash in a running session). Without a running job a handler exits at once; a
 * second signal exits at once too. A signal that the parent process set to be ignored (SIGINT of a
 * background job) stays ignored.
 *
 * <p>Where the handlers cannot be installed (for example with {@code -Xrs}), or when the JVM shuts
 * down for another reason while a job runs, a shutdown hook cancels the job, waits for it to unwind and
 * prints the line ("stopped by a signal"); the JVM's exit status is then its own.
 */
final class SignalStop implements AutoCloseable {

  /** How long a job may take to unwind before the process exits anyway. */
  private static final long UNWIND_SECONDS = 10;

  private static volatile @Nullable String received;
  private static volatile int receivedNumber;
  private static volatile @Nullable SignalStop active;
  private static volatile @Nullable String stoppedWhat;
  private static volatile boolean stopping;

  private final DetectionJob job;
  private final String what;
  private final Thread hook;
  private final CountDownLatch done = new CountDownLatch(1);

  private SignalStop(DetectionJob job, String what, PrintStream err, Runnable endProgressLine) {
    this.job = job;
    this.what = what;
    this.hook = new Thread(() -> {
      if (done.getCount() == 0) {
        return; // the job had ended (after a handled signal, the main thread has printed the line)
      }
      stop();
      boolean unwound = await(done);
      endProgressLine.run();
      err.println(line() + (unwound ? "" : "; the job did not stop within " + UNWIND_SECONDS + " s"));
      err.flush();
    }, "framewise-stop");
  }

  /** Puts the SIGINT and SIGTERM handlers in place. For {@code main} only. */
  @SuppressWarnings("removal") // sun.misc.Signal: the one way to tell SIGINT from SIGTERM; only in main, with a fallback
  static void install() {
    for (String name : List.of("INT", "TERM")) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> onSignal("SIG" + s.getName(), s.getNumber()));
      } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
        // -Xrs or a platform without the signal: the shutdown hook and the JVM's own exit status remain
      }
    }
  }

  /** On the JVM's signal-dispatch thread: cancel the job and let the main thread report and exit. */
  private static void onSignal(String name, int number) {
    boolean again = received != null;
    received = name;
    receivedNumber = number;
    SignalStop current = active;
    if (current == null || again) {
      System.exit(128 + number); // nothing to unwind, or the user insists
      return;
    }
    current.stop();
    await(current.done);
    try {
      TimeUnit.SECONDS.sleep(5); // the main thread prints the line and exits meanwhile
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.exit(128 + number); // it did not: exit anyway
  }

  /**
   * Cancels {@code job} on SIGINT, SIGTERM or a JVM shutdown before {@link #close()}.
   *
   * @param job the job about to run
   * @param what what the line names: the video, and what becomes of its output
   * @param err where the hook's line goes
   * @param endProgressLine ends an open progress line first
   * @return the registration; close it when the job has ended
   */
  static SignalStop register(DetectionJob job, String what, PrintStream err, Runnable endProgressLine) {
    SignalStop stop = new SignalStop(job, what, err, endProgressLine);
    active = stop;
    Runtime.getRuntime().addShutdownHook(stop.hook);
    if (received != null) {
      stop.stop(); // the signal came while the job was being set up
    }
    return stop;
  }

  private void stop() {
    stoppedWhat = what;
    stopping = true;
    job.cancel();
  }

  private static boolean await(CountDownLatch latch) {
    try {
      return latch.await(UNWIND_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Tells whether a signal or a shutdown stopped the job, so that its cancellation is reported as
   * {@link #line()} and not as an error.
   *
   * @return true once a job was cancelled here
   */
  static boolean stopping() {
    return stopping;
  }

  /**
   * Tells whether a handled signal (not a shutdown hook) stopped the job: the main thread then prints
   * {@link #line()} and exits with {@link #exitStatus()}.
   *
   * @return true after SIGINT or SIGTERM reached a handler
   */
  static boolean signalled() {
    return received != null;
  }

  /** {@return 128 + the number of the signal received, or 130 (as for SIGINT) without one} */
  static int exitStatus() {
    return received != null ? 128 + receivedNumber : FramewiseCli.INTERRUPTED;
  }

  /** {@return the one line that reports a stopped job} */
  static String line() {
    // what names the video and the output as the user gave them: never send their control characters to the terminal
    return "framewise: stopped by " + (received == null ? "a signal" : received) + " before the end of "
        + Printable.escape(stoppedWhat) + " (FW-700)";
  }

  /** The job has ended (normally or not): nothing more to stop. */
  @Override
  public void close() {
    if (active == this) {
      active = null;
    }
    done.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs and finds the job ended
    }
  }
}
