package io.framewise.distributed.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in this JVM: topics, producers, consumer groups and share groups against it,
 * its listeners on 127.0.0.1 only, and a restart on the same data directory that keeps records and
 * committed offsets.
 */
class DevBrokerTest {

  private static final Logger LOG = LoggerFactory.getLogger(DevBrokerTest.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final long WAIT_MS = 30_000;

  @TempDir
  static Path shared;

  private static DevBroker broker;
  private static String bootstrap;

  @BeforeAll
  static void startBroker() {
    broker = new DevBroker(shared.resolve("kafka"));
    long t0 = System.nanoTime();
    bootstrap = broker.start();
    LOG.info("measured: broker first start (format + start + ready) {} ms", ms(t0));
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void recordsAndCommittedOffsetsSurviveARestartOnTheSameDataDirectory(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("kafka");
    int n = 100;
    int committed = 60;
    String clusterId;
    String first;
    try (DevBroker b = new DevBroker(data)) {
      first = b.start();
      clusterId = b.clusterId();
      assertThat(first).isEqualTo("127.0.0.1:" + b.port());
      try (Admin admin = admin(first)) {
        admin.createTopics(List.of(new NewTopic("tasks", 1, (short) 1))).all().get();
      }
      produce(first, "tasks", 0, n);
      try (KafkaConsumer<String, String> c = consumer(first, "g1")) {
        c.subscribe(List.of("tasks"));
        List<ConsumerRecord<String, String>> got = pollUntil(c, n);
        assertThat(values(got)).isEqualTo(expected(0, n));
        c.commitSync(Map.of(new TopicPartition("tasks", 0), new OffsetAndMetadata(committed)));
      }
    }
    assertThat(Files.readString(data.resolve("kafka-logs/meta.properties"))).contains("cluster.id=" + clusterId);

    try (DevBroker b = new DevBroker(data)) {
      long t0 = System.nanoTime();
      String again = b.start();
      LOG.info("measured: broker restart on existing data (start + ready) {} ms", ms(t0));
      assertThat(b.clusterId()).isEqualTo(clusterId);
      try (Admin admin = admin(again)) {
        assertThat(admin.describeCluster().clusterId().get()).isEqualTo(clusterId);
        assertThat(admin.listTopics().names().get()).contains("tasks");
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin.listConsumerGroupOffsets("g1").partitionsToOffsetAndMetadata().get();
        assertThat(offsets.get(new TopicPartition("tasks", 0)).offset()).isEqualTo(committed);
      }
      // the group resumes at its committed offset ...
      try (KafkaConsumer<String, String> c = consumer(again, "g1")) {
        c.subscribe(List.of("tasks"));
        assertThat(values(pollUntil(c, n - committed))).isEqualTo(expected(committed, n));
      }
      // ... and every record is still there for a new group
      try (KafkaConsumer<String, String> c = consumer(again, "g2")) {
        long t1 = System.nanoTime();
        c.subscribe(List.of("tasks"));
        List<ConsumerRecord<String, String>> all = pollUntil(c, n);
        LOG.info("measured: new consumer group (KIP-848 protocol): subscribe to all {} records in {} ms", n, ms(t1));
        assertThat(values(all)).isEqualTo(expected(0, n));
      }
    }
  }

  @Test
  void listenersAreBoundToAndAdvertise127001Only() throws Exception {
    try (Admin admin = admin(bootstrap)) {
      for (Node node : admin.describeCluster().nodes().get()) {
        assertThat(node.host()).isEqualTo("127.0.0.1");
        assertThat(node.port()).isEqualTo(broker.port());
      }
    }
    for (int port : new int[] {broker.port(), broker.controllerPort()}) {
      // the kernel's own table of listening sockets: every socket on the port is on loopback
      List<InetAddress> listening = listeningAddresses(port);
      assertThat(listening).as("listening sockets on port %d", port).isNotEmpty();
      assertThat(listening).allSatisfy(a -> assertThat(a.isLoopbackAddress())
          .as("port %d bound to %s", port, a).isTrue());
      // and the port answers on 127.0.0.1 but not on any other address of this machine
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      }
      for (InetAddress other : nonLoopbackAddresses()) {
        assertThatThrownBy(() -> {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(other, port), 2_000);
          }
        }).as("connect to %s:%d", other, port).isInstanceOfAny(ConnectException.class, SocketTimeoutException.class);
      }
    }
  }

  @Test
  void autoTopicCreationIsOff() throws Exception {
    Properties p = producerProps(bootstrap);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_500);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>("no-such-topic", "k", "v")).get(10, TimeUnit.SECONDS))
          .hasMessageContaining("no-such-topic");
    }
    try (Admin admin = admin(bootstrap)) {
      assertThat(admin.listTopics().names().get()).doesNotContain("no-such-topic");
      assertThatThrownBy(() -> admin.describeTopics(List.of("no-such-topic")).allTopicNames().get())
          .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
    }
  }

  @Test
  void shareGroupDeliversEachRecordOnceRedeliversAReleasedOneAndRenewsALock() throws Exception {
    String topic = "share-tasks";
    String group = "workers";
    int n = 10;
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
      // a share group starts at the latest offset unless told otherwise (a group config)
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
          new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
          .all().get();
    }
    produce(bootstrap, topic, 0, n);

    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
    Map<String, Integer> deliveries = new HashMap<>();
    List<String> accepted = new ArrayList<>();
    try (KafkaShareConsumer<String, String> c = new KafkaShareConsumer<>(p)) {
      long t0 = System.nanoTime();
      long firstRecordMs = -1;
      c.subscribe(List.of(topic));
      boolean released = false;
      boolean renewed = false;
      boolean renewedSeenAgain = false;
      long deadline = System.currentTimeMillis() + WAIT_MS;
      while (accepted.size() < n && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(POLL)) {
          if (firstRecordMs < 0) {
            firstRecordMs = ms(t0);
          }
          int count = r.deliveryCount().orElseThrow();
          deliveries.merge(r.value(), count, Math::max);
          if (!released && r.value().equals("task-3")) {
            assertThat(count).isEqualTo(1);
            c.acknowledge(r, AcknowledgeType.RELEASE); // give it back: "worker could not finish"
            released = true;
          } else if (r.value().equals("task-5") && !renewed) {
            // a long task extends its acquisition lock (KIP-1222); the client hands a
            // renewed record back on a later poll (KAFKA-20458), still acquired by us
            c.acknowledge(r, AcknowledgeType.RENEW);
            renewed = true;
          } else if (r.value().equals("task-5")) {
            assertThat(count).as("a renewal is not a redelivery").isEqualTo(1);
            renewedSeenAgain = true;
            c.acknowledge(r, AcknowledgeType.ACCEPT);
            accepted.add(r.value());
          } else {
            c.acknowledge(r, AcknowledgeType.ACCEPT);
            accepted.add(r.value());
          }
        }
        c.commitSync();
      }
      LOG.info("measured: share consumer: first record {} ms after subscribe, all {} accepted after {} ms",
          firstRecordMs, n, ms(t0));
      assertThat(accepted).containsExactlyInAnyOrderElementsOf(expected(0, n));
      assertThat(renewedSeenAgain).isTrue();
      assertThat(deliveries.get("task-3")).as("delivery count of the released record").isEqualTo(2);
      assertThat(deliveries).hasSize(n).allSatisfy((v, count) -> {
        if (!v.equals("task-3")) { // task-5 included: renewed, delivered once
          assertThat(count).as(v).isEqualTo(1);
        }
      });
      // everything acknowledged: nothing comes back
      long quiet = System.currentTimeMillis() + 1_000;
      while (System.currentTimeMillis() < quiet) {
        assertThat(c.poll(POLL).isEmpty()).isTrue();
      }
    }
  }

  @Test
  void roundTripLatencyOfOneSmallRecord() throws Exception {
    String topic = "latency";
    int warmup = 20;
    int n = 200;
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    TopicPartition tp = new TopicPartition(topic, 0);
    long[] micros = new long[n];
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap));
        KafkaConsumer<String, String> c = consumer(bootstrap, null)) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      for (int i = 0; i < warmup + n; i++) {
        String v = "r" + i;
        long t0 = System.nanoTime();
        producer.send(new ProducerRecord<>(topic, v, v));
        ConsumerRecord<String, String> got = null;
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (got == null && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(1_000))) {
            got = r;
          }
        }
        long t = (System.nanoTime() - t0) / 1_000;
        assertThat(got).as("record %d", i).isNotNull();
        assertThat(got.value()).isEqualTo(v);
        if (i >= warmup) {
          micros[i - warmup] = t;
        }
      }
    }
    long[] sorted = micros.clone();
    Arrays.sort(sorted);
    double mean = Arrays.stream(micros).average().orElseThrow() / 1000.0;
    LOG.info("measured: produce->consume round trip of one small record over {} records: mean {} ms, p50 {} ms, p99 {} ms, max {} ms",
        n, String.format("%.2f", mean), sorted[n / 2] / 1000.0, sorted[n * 99 / 100] / 1000.0, sorted[n - 1] / 1000.0);
    assertThat(sorted[n / 2]).as("median round trip (us)").isPositive();
  }

  @Test
  void aSecondBrokerOnADirectoryInUseFailsAndLeavesTheFirstRunning() throws Exception {
    try (DevBroker second = new DevBroker(shared.resolve("kafka"), 0, Duration.ofSeconds(20))) {
      assertThatThrownBy(second::start).isInstanceOf(DevBrokerException.class)
          .hasMessageContaining(shared.resolve("kafka").toString());
      assertThat(second.isRunning()).isFalse();
    }
    try (Admin admin = admin(bootstrap)) {
      assertThat(admin.describeCluster().clusterId().get()).isEqualTo(broker.clusterId());
    }
  }

  @Test
  void argumentsAreChecked() {
    assertThatThrownBy(() -> new DevBroker(shared, 70_000, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
    assertThatThrownBy(() -> new DevBroker(shared, 0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("startTimeout");
    assertThatThrownBy(() -> broker.start()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(bootstrap);
    assertThatThrownBy(() -> new DevBroker(shared.resolve("never-started")).bootstrapServers())
        .isInstanceOf(IllegalStateException.class);
  }

  // ---------------------------------------------------------------- helpers

  private static long ms(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
  }

  private static Properties producerProps(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    return p;
  }

  private static void produce(String bootstrap, String topic, int from, int to) throws Exception {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap))) {
      for (int i = from; i < to; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, "task-" + i));
      }
      producer.flush();
    }
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap, String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer"); // KIP-848, the protocol issue 9 would use
    }
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }

  private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> c, int count) {
    List<ConsumerRecord<String, String>> got = new ArrayList<>();
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (got.size() < count && System.currentTimeMillis() < deadline) {
      ConsumerRecords<String, String> records = c.poll(POLL);
      records.forEach(got::add);
    }
    // nothing more than expected arrives
    c.poll(POLL).forEach(got::add);
    return got;
  }

  private static List<String> values(List<ConsumerRecord<String, String>> records) {
    return records.stream().map(ConsumerRecord::value).toList();
  }

  private static List<String> expected(int from, int to) {
    List<String> l = new ArrayList<>();
    for (int i = from; i < to; i++) {
      l.add("task-" + i);
    }
    return l;
  }

  /** Local addresses of listening TCP sockets on {@code port}, from /proc/net/tcp and tcp6. */
  private static List<InetAddress> listeningAddresses(int port) throws IOException {
    assumeTrue(Files.exists(Path.of("/proc/net/tcp")), "no /proc/net/tcp: not Linux");
    List<InetAddress> result = new ArrayList<>();
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      Path path = Path.of(table);
      if (!Files.exists(path)) {
        continue;
      }
      List<String> lines = Files.readAllLines(path);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        String[] local = f[1].split(":");
        boolean listen = f[3].equals("0A");
        if (listen && Integer.parseInt(local[1], 16) == port) {
          result.add(procAddress(local[0]));
        }
      }
    }
    return result;
  }

  /** /proc/net/tcp* write an address as 32-bit words in host (little-endian) byte order. */
  private static InetAddress procAddress(String hex) throws IOException {
    byte[] raw = HexFormat.of().parseHex(hex);
    byte[] addr = new byte[raw.length];
    for (int w = 0; w < raw.length; w += 4) {
      for (int i = 0; i < 4; i++) {
        addr[w + i] = raw[w + 3 - i];
      }
    }
    // an IPv4-mapped IPv6 address (::ffff:127.0.0.1) comes back as an Inet4Address
    return InetAddress.getByAddress(addr);
  }

  private static List<InetAddress> nonLoopbackAddresses() throws IOException {
    List<InetAddress> result = new ArrayList<>();
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!ni.isUp()) {
        continue;
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (!a.isLoopbackAddress() && !a.isLinkLocalAddress() && !(a instanceof Inet6Address && a.isAnyLocalAddress())) {
          result.add(a);
        }
      }
    }
    LOG.debug("non-loopback addresses checked: {}", result);
    return result;
  }
}
