package io.framewise.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU this process and everything else on the machine used over an interval, from
 * {@code /proc/stat} and {@code /proc/self/stat}. The benchmarks run on shared machines: a number
 * taken while other processes kept the cores busy is not a number about Framewise, so every
 * measurement says how many cores the rest of the machine used meanwhile.
 */
final class CpuShare {

  private static final double HZ = 100.0; // USER_HZ: the unit of both files on Linux

  private final long wallStart;
  private final long busyStart;
  private final long selfStart;

  private CpuShare() {
    this.wallStart = System.nanoTime();
    this.busyStart = machineBusyTicks();
    this.selfStart = selfTicks();
  }

  static CpuShare start() {
    return new CpuShare();
  }

  /** {@code "self 1.9 cores, others 0.1"}: average cores used since {@link #start()}. */
  String summary() {
    double wall = (System.nanoTime() - wallStart) / 1e9;
    long busy = machineBusyTicks();
    long self = selfTicks();
    if (busy < 0 || self < 0 || wall <= 0) {
      return "cpu n/a";
    }
    double selfCores = (self - selfStart) / HZ / wall;
    double allCores = (busy - busyStart) / HZ / wall;
    return Fmt.f("self %.1f cores, others %.1f", Math.max(0, selfCores), Math.max(0, allCores - selfCores));
  }

  /** Average cores used by other processes since {@link #start()}, or NaN when unknown. */
  double others() {
    double wall = (System.nanoTime() - wallStart) / 1e9;
    long busy = machineBusyTicks();
    long self = selfTicks();
    if (busy < 0 || self < 0 || wall <= 0) {
      return Double.NaN;
    }
    return Math.max(0, ((busy - busyStart) - (self - selfStart)) / HZ / wall);
  }

  /** Non-idle ticks of all CPUs: user + nice + system + irq + softirq + steal. */
  private static long machineBusyTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0).trim().split("\\s+");
      long user = Long.parseLong(f[1]);
      long nice = Long.parseLong(f[2]);
      long system = Long.parseLong(f[3]);
      long irq = Long.parseLong(f[6]);
      long softirq = Long.parseLong(f[7]);
      long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
      return user + nice + system + irq + softirq + steal;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** utime + stime of this process (all its threads). */
  private static long selfTicks() {
    try {
      String s = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
      String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split("\\s+");
      // after "pid (comm) ": state is f[0]; utime is field 14 overall -> f[11], stime f[12]
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Waits until the rest of the machine is nearly idle (under 0.25 cores in two consecutive 3-s windows), at most
   * {@code maxSeconds}; says what it found.
   */
  static void waitForQuiet(double maxSeconds) {
    if (maxSeconds <= 0) {
      return;
    }
    long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
    long waitStart = System.nanoTime();
    double others = Double.NaN;
    int quiet = 0;
    while (true) {
      CpuShare s = start();
      try {
        Thread.sleep(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      long busy = machineBusyTicks() - s.busyStart;
      long self = selfTicks() - s.selfStart;
      others = (busy - self) / HZ / ((System.nanoTime() - s.wallStart) / 1e9);
      quiet = others < 0.25 ? quiet + 1 : 0;
      if (quiet >= 2 || System.nanoTime() > deadline) {
        break;
      }
    }
    Fmt.out("# waited %.0f s for a quiet machine: other processes now use %.1f cores%s",
        (System.nanoTime() - waitStart) / 1e9, Math.max(0, others), others < 0.25 ? "" : " (gave up waiting; numbers below are disturbed)");
  }

  /** The 1-minute load average, or -1. */
  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
