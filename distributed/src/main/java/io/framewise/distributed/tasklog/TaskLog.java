package io.framewise.distributed.tasklog;

import io.framewise.DetectorIOException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka side of the distributed mode: prepares the topics and the workers' share group, and
 * creates the clients that coordinators and workers use. Records: a task's key is
 * {@code JOB/SEGMENT}, its value the encoded segment task, its headers {@link #JOB_HEADER} and
 * {@link #SEGMENT_HEADER}; an event's key is the job and its value a {@link CompletionEvent}.
 */
public final class TaskLog {

  private static final Logger LOG = LoggerFactory.getLogger(TaskLog.class);

  /** Header naming a task's job (its fingerprint). */
  public static final String JOB_HEADER = "fw-job";
  /** Header naming a task's segment index (decimal). */
  public static final String SEGMENT_HEADER = "fw-segment";

  /** Tasks are kept a week: a job that outlives its tasks' retention loses them. */
  static final Duration TASK_RETENTION = Duration.ofDays(7);
  /** Events are read while their job runs. */
  static final Duration EVENT_RETENTION = Duration.ofDays(1);
  private static final long ADMIN_TIMEOUT_S = 60;

  private final TaskLogSettings settings;

  /**
   * @param settings where the topics are and how the group behaves
   */
  public TaskLog(TaskLogSettings settings) {
    this.settings = settings;
  }

  /** The settings. */
  public TaskLogSettings settings() {
    return settings;
  }

  /**
   * Creates the two topics when they do not exist (an existing topic is kept as it is) and sets the
   * share group's configuration: start at the earliest task, the lock duration, the delivery limit
   * (attempts + 1) and any extra group property. Idempotent; coordinators and workers call it on
   * start.
   *
   * @throws DetectorIOException (FW-800) if Kafka cannot be reached or refuses
   */
  public void prepare() {
    try (Admin admin = admin()) {
      List<NewTopic> topics = List.of(
          new NewTopic(settings.tasksTopic(), settings.taskPartitions(), (short) -1).configs(Map.of(
              TopicConfig.RETENTION_MS_CONFIG, Long.toString(TASK_RETENTION.toMillis()),
              TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)),
          new NewTopic(settings.eventsTopic(), 1, (short) -1).configs(Map.of(
              TopicConfig.RETENTION_MS_CONFIG, Long.toString(EVENT_RETENTION.toMillis()),
              TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)));
      Set<String> existing = admin.listTopics().names().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (NewTopic t : topics) {
        if (!existing.contains(t.name())) {
          missing.add(t);
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
          LOG.info("created topics {} on {}", missing.stream().map(NewTopic::name).toList(), settings.bootstrap());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e; // another instance created them first otherwise
          }
        }
      }
      List<AlterConfigOp> group = new ArrayList<>();
      group.add(set("share.auto.offset.reset", "earliest"));
      group.add(set("share.record.lock.duration.ms", Long.toString(settings.lockDuration().toMillis())));
      group.add(set("share.delivery.count.limit", Integer.toString(settings.deliveryLimit())));
      settings.groupProperties().forEach((k, v) -> group.add(set(k, v)));
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, settings.workerGroup()), group))
          .all().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw unreachable("cannot prepare topics " + settings.tasksTopic() + ", " + settings.eventsTopic() + " and group "
          + settings.workerGroup(), e.getCause());
    } catch (TimeoutException e) {
      throw unreachable("no answer in " + ADMIN_TIMEOUT_S + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable("interrupted", e);
    }
  }

  private static AlterConfigOp set(String name, String value) {
    return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
  }

  /**
   * The failure to use the task log, FW-800.
   *
   * @param what what could not be done
   * @param cause why
   * @return the exception, naming the bootstrap address
   */
  public DetectorIOException unreachable(String what, Throwable cause) {
    return new DetectorIOException("FW-800", null, "Kafka at " + settings.bootstrap() + ": " + what + ": " + cause.getMessage(),
        cause instanceof IOException io ? io : new IOException(cause));
  }

  /** An admin client. */
  public Admin admin() {
    Properties p = base();
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(ADMIN_TIMEOUT_S * 1000));
    return Admin.create(p);
  }

  /** A producer of tasks and events: acks from all replicas, idempotent. */
  public KafkaProducer<String, byte[]> producer() {
    Properties p = base();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /**
   * The workers' share consumer: explicit acknowledgement, one record per poll
   * ({@code record_limit}: a worker never holds tasks it has not started).
   *
   * @param clientId the client id (the worker's name)
   * @return the consumer
   */
  public KafkaShareConsumer<String, byte[]> shareConsumer(String clientId) {
    Properties p = base();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.workerGroup());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
    p.put("share.acquire.mode", "record_limit");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return new KafkaShareConsumer<>(p);
  }

  /** A coordinator's event reader: no group (it assigns the partitions itself and commits nothing). */
  public KafkaConsumer<String, byte[]> eventReader() {
    Properties p = base();
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }

  private Properties base() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
    p.putAll(settings.clientProperties());
    return p;
  }
}
