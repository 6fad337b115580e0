package io.framewise.samples.cli;

import io.framewise.DetectionJob;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Stops a running job cleanly when the JVM shuts down on SIGINT (Ctrl-C) or SIGTERM ({@code kill}, a
 * container stop): a shutdown hook cancels the job, waits for it to unwind (its worker threads stop and
 * {@code writeJson(Path)} removes its temporary file), then prints one line. The exit status is the
 * usual 130 (SIGINT) or 143 (SIGTERM).
 *
 * <p>{@link #install()} (called by {@code main} only, never when the CLI runs in-process) puts handlers
 * on SIGINT and SIGTERM that record which one came and exit as the JVM itself would, so the line can
 * say which. A signal that the parent process set to be ignored (SIGINT of a background job) stays
 * ignored; where the handlers cannot be installed (for example with {@code -Xrs}) the JVM's own handling
 * stays, and the line says "a signal".
 */
final class SignalStop implements AutoCloseable {

  /** How long the hook waits for the job to unwind before the JVM goes down anyway. */
  private static final long UNWIND_SECONDS = 10;

  private static volatile @Nullable String received;
  private static volatile boolean stopping;

  private final Thread hook;
  private final CountDownLatch done = new CountDownLatch(1);

  private SignalStop(DetectionJob job, String what, PrintStream err, Runnable endProgressLine) {
    this.hook = new Thread(() -> {
      if (done.getCount() == 0) {
        return; // the job had ended: nothing to stop
      }
      stopping = true;
      job.cancel();
      boolean unwound;
      try {
        unwound = done.await(UNWIND_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        unwound = false;
      }
      endProgressLine.run();
      String signal = received == null ? "a signal" : received;
      err.println("framewise: stopped by " + signal + " before the end of " + what
          + (unwound ? "" : " (the job did not stop within " + UNWIND_SECONDS + " s)") + " (FW-700)");
      err.flush();
    }, "framewise-stop");
  }

  /**
   * Records which of SIGINT and SIGTERM arrives, then exits with 128 + its number, as the JVM would.
   * For {@code main} only.
   */
  @SuppressWarnings("removal") // sun.misc.Signal: the one way to tell SIGINT from SIGTERM; only in main, with a fallback
  static void install() {
    for (String name : List.of("INT", "TERM")) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
          received = "SIG" + s.getName();
          System.exit(128 + s.getNumber());
        });
      } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
        // -Xrs or a platform without the signal: the JVM's own handling (same exit status) stays
      }
    }
  }

  /**
   * Cancels {@code job} if the JVM shuts down before {@link #close()}.
   *
   * @param job the job about to run
   * @param what what the line names: the video, and where its output was going
   * @param err where the line goes
   * @param endProgressLine ends an open progress line first
   * @return the registration; close it when the job has ended
   */
  static SignalStop register(DetectionJob job, String what, PrintStream err, Runnable endProgressLine) {
    SignalStop stop = new SignalStop(job, what, err, endProgressLine);
    Runtime.getRuntime().addShutdownHook(stop.hook);
    return stop;
  }

  /**
   * Tells whether a shutdown is stopping a job, so that the job's own cancellation error is not
   * reported a second time.
   *
   * @return true once the hook has begun to stop a job
   */
  static boolean stopping() {
    return stopping;
  }

  /** The job has ended (normally or not): the hook has nothing more to do. */
  @Override
  public void close() {
    done.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs, sees the job ended, and prints its line
    }
  }
}
