package io.framewise.distributed.tasklog;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how tasks and completion events travel through Kafka: the bootstrap address, the two
 * topics, the workers' share group and its lock and delivery settings.
 *
 * <p>Defaults: topics {@code framewise.tasks} and {@code framewise.events}, share group
 * {@code framewise.workers}, a 30 s acquisition lock (renewed by a busy worker every third of it),
 * 3 attempts per task (the group's delivery limit is one more: the last delivery never runs the
 * segment, it records that the segment failed for good). See {@code docs/distributed.md}.
 *
 * @param bootstrap Kafka's bootstrap servers, {@code HOST:PORT[,HOST:PORT...]}
 * @param tasksTopic the topic of segment tasks (consumed by the share group)
 * @param eventsTopic the topic of completion events (read by coordinators)
 * @param workerGroup the share group of the workers
 * @param lockDuration the share group's record lock duration ({@code share.record.lock.duration.ms})
 * @param attempts how many times a task may run before its segment is given up (1..9)
 * @param taskPartitions partitions of the tasks topic when this creates it
 * @param clientProperties extra Kafka client properties (security settings, for example), applied to
 *     every client this module creates
 * @param groupProperties extra share-group configuration set when the group is prepared
 */
public record TaskLogSettings(String bootstrap, String tasksTopic, String eventsTopic, String workerGroup,
    Duration lockDuration, int attempts, int taskPartitions, Map<String, String> clientProperties,
    Map<String, String> groupProperties) {

  /** Default tasks topic. */
  public static final String TASKS = "framewise.tasks";
  /** Default events topic. */
  public static final String EVENTS = "framewise.events";
  /** Default share group of the workers. */
  public static final String GROUP = "framewise.workers";

  /** Validates and copies. */
  public TaskLogSettings {
    Objects.requireNonNull(bootstrap, "bootstrap");
    if (bootstrap.isBlank()) {
      throw new IllegalArgumentException("bootstrap is empty");
    }
    Objects.requireNonNull(tasksTopic, "tasksTopic");
    Objects.requireNonNull(eventsTopic, "eventsTopic");
    Objects.requireNonNull(workerGroup, "workerGroup");
    Objects.requireNonNull(lockDuration, "lockDuration");
    if (lockDuration.toMillis() < 1000) {
      throw new IllegalArgumentException("lockDuration must be at least 1 s, was " + lockDuration);
    }
    if (attempts < 1 || attempts > 9) {
      throw new IllegalArgumentException("attempts must be in 1..9 (Kafka's delivery limit is 2..10), was " + attempts);
    }
    if (taskPartitions < 1) {
      throw new IllegalArgumentException("taskPartitions must be at least 1, was " + taskPartitions);
    }
    clientProperties = Map.copyOf(clientProperties);
    groupProperties = Map.copyOf(groupProperties);
  }

  /**
   * The defaults for a cluster.
   *
   * @param bootstrap Kafka's bootstrap servers
   * @return settings with the default topics, group, 30 s lock and 3 attempts
   */
  public static TaskLogSettings of(String bootstrap) {
    return new TaskLogSettings(bootstrap, TASKS, EVENTS, GROUP, Duration.ofSeconds(30), 3, 4, Map.of(), Map.of());
  }

  /**
   * A copy with another lock duration.
   *
   * @param lock the record lock duration
   * @return the copy
   */
  public TaskLogSettings withLockDuration(Duration lock) {
    return new TaskLogSettings(bootstrap, tasksTopic, eventsTopic, workerGroup, lock, attempts, taskPartitions, clientProperties,
        groupProperties);
  }

  /**
   * A copy with another number of attempts.
   *
   * @param n attempts per task, 1..9
   * @return the copy
   */
  public TaskLogSettings withAttempts(int n) {
    return new TaskLogSettings(bootstrap, tasksTopic, eventsTopic, workerGroup, lockDuration, n, taskPartitions, clientProperties,
        groupProperties);
  }

  /**
   * A copy with one more share-group configuration entry (for example
   * {@code share.heartbeat.interval.ms}).
   *
   * @param name the group config
   * @param value its value
   * @return the copy
   */
  public TaskLogSettings withGroupProperty(String name, String value) {
    Map<String, String> m = new LinkedHashMap<>(groupProperties);
    m.put(name, value);
    return new TaskLogSettings(bootstrap, tasksTopic, eventsTopic, workerGroup, lockDuration, attempts, taskPartitions, clientProperties, m);
  }

  /** Kafka's delivery limit for the group: one more than the attempts (the last delivery gives up). */
  int deliveryLimit() {
    return Math.max(2, attempts + 1);
  }
}
