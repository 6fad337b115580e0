package io.framewise.benchmarks;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process memory as the kernel sees it ({@code /proc/self/status}) and as the JVM sees it. */
final class Mem {

  private static final Path STATUS = Path.of("/proc/self/status");

  private Mem() {}

  /** VmRSS, VmHWM, RssAnon and RssFile in KiB, or -1 where /proc is not available. */
  static long[] rssAndHwmKib() {
    long[] v = {-1, -1, -1, -1};
    try {
      for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          v[0] = kib(line);
        } else if (line.startsWith("VmHWM:")) {
          v[1] = kib(line);
        } else if (line.startsWith("RssAnon:")) {
          v[2] = kib(line);
        } else if (line.startsWith("RssFile:")) {
          v[3] = kib(line);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: leave -1
    }
    return v;
  }

  private static long kib(String line) {
    String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
    return Long.parseLong(parts[0]);
  }

  static long heapUsedBytes() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static long heapCommittedBytes() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
  }

  static long nonHeapUsedBytes() {
    return ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed();
  }

  /** Bytes held by direct NIO buffers. */
  static long directBytes() {
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if ("direct".equals(pool.getName())) {
        return pool.getMemoryUsed();
      }
    }
    return -1;
  }

  static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
