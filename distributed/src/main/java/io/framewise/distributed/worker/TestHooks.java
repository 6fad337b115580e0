package io.framewise.distributed.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for the failure tests, read from system properties of a worker process (never set
 * in production): {@code framewise.test.failSegment=N} fails every attempt of segment N;
 * {@code framewise.test.pauseBeforeSegment=N:MS}, {@code framewise.test.pauseMidSegment=N:MS} and {@code framewise.test.pauseAfterStore=N:MS} sleep
 * at those points, so that a test can kill the process there with SIGKILL.
 */
final class TestHooks {

  private static final Logger LOG = LoggerFactory.getLogger(TestHooks.class);

  private TestHooks() {}

  static void beforeCompute(int segment) {
    String fail = System.getProperty("framewise.test.failSegment");
    if (fail != null && Integer.parseInt(fail) == segment) {
      throw new IllegalStateException("injected failure of segment " + segment + " (framewise.test.failSegment)");
    }
    pause("framewise.test.pauseBeforeSegment", segment, "computing");
  }

  static void midSegment(int segment) {
    pause("framewise.test.pauseMidSegment", segment, "half decoded");
  }

  static void afterStore(int segment) {
    pause("framewise.test.pauseAfterStore", segment, "stored, not acknowledged");
  }

  private static void pause(String property, int segment, String what) {
    String v = System.getProperty(property);
    if (v == null) {
      return;
    }
    String[] p = v.split(":");
    if (Integer.parseInt(p[0]) != segment) {
      return;
    }
    LOG.info("test hook: segment {} {}; pausing {} ms", segment, what, p[1]);
    System.err.flush();
    try {
      Thread.sleep(Long.parseLong(p[1]));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
