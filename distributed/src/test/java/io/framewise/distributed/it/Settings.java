package io.framewise.distributed.it;

import io.framewise.distributed.tasklog.TaskLogSettings;
import java.time.Duration;
import java.util.Map;

/** The task-log settings of a test: its own topics and group on the shared broker, a short lock. */
final class Settings {

  static final Duration LOCK = Duration.ofSeconds(3);
  static final int ATTEMPTS = 3;

  private Settings() {}

  static TaskLogSettings of(String bootstrap, String name) {
    return new TaskLogSettings(bootstrap, "t." + name + ".tasks", "t." + name + ".events", "t." + name + ".workers", LOCK, ATTEMPTS, 1,
        Map.of(), Map.of("share.heartbeat.interval.ms", "1000", "share.session.timeout.ms", "6000"));
  }
}
