package io.framewise.distributed.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Apache Kafka broker for development and tests, running in this JVM: the real
 * broker ({@link KafkaRaftServer}, KRaft mode, one process acting as broker and controller), not a
 * fake.
 *
 * <p>Every listener binds to {@code 127.0.0.1} only, and the broker advertises {@code 127.0.0.1};
 * nothing on another interface can reach it. Data lives under the directory given to the
 * constructor: the first {@link #start()} formats it (a new cluster id, kept in the directory's
 * {@code meta.properties}); later starts, by this object or a new one on the same directory, reuse
 * it, so topics, records and committed offsets survive a restart. Automatic topic creation is off;
 * internal topics (consumer offsets, transaction state, share-group state) have replication factor 1
 * and one partition; share groups are enabled.
 *
 * <pre>{@code
 * try (DevBroker broker = new DevBroker(Path.of("kafka-data"))) {
 *     String bootstrap = broker.start();          // "127.0.0.1:<port>", ready for clients
 *     ...
 * }
 * }</pre>
 *
 * <p>The CLI runs one with {@code framewise broker --data DIR [--port N]}. Its methods are synchronized.
 *
 * <p>Kafka's own fatal-error handling applies: a broker that meets an unrecoverable error (a full
 * disk, a corrupt log) may end the JVM through Kafka's {@code Exit}, as the standalone broker does.
 */
public final class DevBroker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DevBroker.class);

  /** The one node id of the combined broker and controller. */
  static final int NODE_ID = 1;
  private static final String HOST = "127.0.0.1";
  private static final String CLIENT_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dataDir;
  private final int requestedPort;
  private final Duration startTimeout;

  private @Nullable KafkaRaftServer server;
  private @Nullable FileChannel lockChannel;
  private @Nullable FileLock lock;
  private int port;
  private int controllerPort;
  private @Nullable String clusterId;
  private final Properties overrides = new Properties();

  /**
   * A broker on an ephemeral loopback port, keeping its data in {@code dataDir}.
   *
   * @param dataDir where the broker keeps its logs and metadata; created if missing
   */
  public DevBroker(Path dataDir) {
    this(dataDir, 0, DEFAULT_START_TIMEOUT);
  }

  /**
   * A broker on the given loopback port, keeping its data in {@code dataDir}.
   *
   * @param dataDir where the broker keeps its logs and metadata; created if missing
   * @param port the client (PLAINTEXT) port on 127.0.0.1, or 0 for a free ephemeral port
   * @param startTimeout how long {@link #start()} waits for the broker to answer clients
   */
  public DevBroker(Path dataDir, int port, Duration startTimeout) {
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath();
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, was " + port);
    }
    Objects.requireNonNull(startTimeout, "startTimeout");
    if (startTimeout.isNegative() || startTimeout.isZero()) {
      throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
    }
    this.requestedPort = port;
    this.startTimeout = startTimeout;
  }

  /**
   * Formats the data directory if it is new, starts the broker and waits until it answers an
   * admin client's describe-cluster request.
   *
   * <p>A closed broker may be started again; it keeps its client port when it had picked an
   * ephemeral one and that port is still free.
   *
   * @return the bootstrap address for clients, {@code 127.0.0.1:<port>}
   * @throws IllegalStateException if it is already running
   * @throws UncheckedIOException if the data directory cannot be created
   * @throws DevBrokerException if the directory cannot be formatted, or the broker does not start
   *     or does not become ready in time
   */
  public synchronized String start() {
    if (server != null) {
      throw new IllegalStateException("broker already running on " + bootstrapServers());
    }
    long t0 = System.nanoTime();
    Path logDir = dataDir.resolve("kafka-logs");
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create broker data directory " + logDir, e);
    }
    lockDataDir();
    try {
      return startLocked(t0, logDir);
    } catch (RuntimeException e) {
      releaseLock();
      throw e;
    }
  }

  private String startLocked(long t0, Path logDir) {
    port = pickPort(requestedPort != 0 ? requestedPort : port);
    controllerPort = pickPort(controllerPort);
    KafkaConfig config = KafkaConfig.fromProps(serverProperties(logDir), false);
    clusterId = formatIfNew(logDir);

    KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
    try {
      s.startup();
    } catch (RuntimeException e) {
      shutdownQuietly(s);
      throw new DevBrokerException("Kafka broker in " + dataDir + " failed to start: " + e.getMessage(), e);
    }
    server = s;
    try {
      awaitReady();
    } catch (RuntimeException e) {
      server = null;
      shutdownQuietly(s);
      throw e;
    }
    LOG.info("Development Kafka broker ready on {} (cluster {}, data {}) in {} ms",
        bootstrapServers(), clusterId, dataDir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    return bootstrapServers();
  }

  /**
   * The client bootstrap address, {@code 127.0.0.1:<port>}.
   *
   * @return the address clients connect to
   * @throws IllegalStateException if the broker has never been started
   */
  public synchronized String bootstrapServers() {
    if (port == 0) {
      throw new IllegalStateException("broker not started");
    }
    return HOST + ":" + port;
  }

  /** @return the client (PLAINTEXT) port, 0 before the first start */
  public synchronized int port() {
    return port;
  }

  /** @return the controller (KRaft) port, 0 before the first start */
  public synchronized int controllerPort() {
    return controllerPort;
  }

  /** @return the cluster id stored in the data directory, null before the first start */
  public synchronized @Nullable String clusterId() {
    return clusterId;
  }

  /** @return whether the broker is running */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /** @return the data directory (absolute) */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Stops the broker and waits until it has shut down, its data flushed to the data directory.
   * Idempotent; the broker can be started again afterwards.
   */
  @Override
  public synchronized void close() {
    KafkaRaftServer s = server;
    server = null;
    if (s != null) {
      long t0 = System.nanoTime();
      s.shutdown();
      s.awaitShutdown();
      LOG.info("Development Kafka broker on {}:{} stopped in {} ms",
          HOST, port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
    releaseLock();
  }

  /**
   * Locks the data directory for this broker. Kafka locks its log directories too, but a second
   * broker that finds them locked ends the JVM (a fatal fault in its raft thread); this lock
   * turns that into an exception before Kafka is started.
   */
  private void lockDataDir() {
    Path lockFile = dataDir.resolve("devbroker.lock");
    FileChannel ch = null;
    try {
      ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l = ch.tryLock();
      if (l == null) {
        throw new DevBrokerException("Kafka data directory " + dataDir
            + " is in use by another broker (another process holds " + lockFile + ")");
      }
      lockChannel = ch;
      lock = l;
    } catch (OverlappingFileLockException e) {
      closeQuietly(ch);
      throw new DevBrokerException("Kafka data directory " + dataDir + " is in use by another broker in this JVM", e);
    } catch (IOException e) {
      closeQuietly(ch);
      throw new UncheckedIOException("cannot lock Kafka data directory " + dataDir, e);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  private void releaseLock() {
    FileLock l = lock;
    FileChannel ch = lockChannel;
    lock = null;
    lockChannel = null;
    try {
      if (l != null) {
        l.release();
      }
    } catch (IOException e) {
      LOG.warn("Cannot release the lock on {}", dataDir, e);
    }
    closeQuietly(ch);
  }

  private static void closeQuietly(@Nullable FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        LOG.debug("Cannot close a lock file channel", e);
      }
    }
  }

  private Properties serverProperties(Path logDir) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    p.put("listeners", CLIENT_LISTENER + "://" + HOST + ":" + port + "," + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", CLIENT_LISTENER + "://" + HOST + ":" + port);
    p.put("listener.security.protocol.map", CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    p.put("controller.listener.names", CONTROLLER_LISTENER);
    p.put("inter.broker.listener.name", CLIENT_LISTENER);
    p.put("log.dirs", logDir.toString());
    p.put("metadata.log.dir", logDir.toString());

    // Topics are created by whoever owns them (the coordinator), never by a typo in a client.
    p.put("auto.create.topics.enable", "false");
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    // One node: every internal topic has one replica; one partition each keeps startup and
    // first group use fast (the defaults of 50 partitions cost seconds on a small machine).
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("share.coordinator.state.topic.num.partitions", "1");
    // Group protocols: Kafka's defaults (classic, consumer, streams, share); share groups are
    // switched on by the share.version feature written at format time (see formatIfNew), the
    // mechanism Kafka 4.2+ uses instead of group.coordinator.rebalance.protocols.
    p.put("group.initial.rebalance.delay.ms", "0");
    // A development broker: modest threads for a laptop or a 2-core CI machine.
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("num.recovery.threads.per.data.dir", "1");
    p.put("log.cleaner.threads", "1");
    p.put("background.threads", "2");
    // Share groups: let a group (tests, a development setup) choose a lock as short as 1 s and a
    // heartbeat of 1 s; the group defaults stay Kafka's (30 s lock, 5 s heartbeat).
    p.put("group.share.min.record.lock.duration.ms", "1000");
    p.put("group.share.min.heartbeat.interval.ms", "1000");
    p.put("group.share.min.session.timeout.ms", "3000");
    p.putAll(overrides);
    return p;
  }

  /**
   * Sets broker properties on top of the defaults, for the next {@link #start()} (for example a
   * shorter share-group heartbeat in tests). Listener and directory settings cannot be changed.
   *
   * @param name a Kafka broker property
   * @param value its value
   * @return this broker
   */
  public synchronized DevBroker set(String name, String value) {
    if (name.contains("listener") || name.endsWith(".dir") || name.endsWith(".dirs") || name.contains("quorum")) {
      throw new IllegalArgumentException(name + " is set by DevBroker itself");
    }
    overrides.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * Writes {@code meta.properties} and the bootstrap metadata on first use of the directory;
   * on later starts returns the stored cluster id.
   */
  private String formatIfNew(Path logDir) {
    Path meta = logDir.resolve("meta.properties");
    if (Files.exists(meta)) {
      return storedClusterId(meta);
    }
    String id = Uuid.randomUuid().toString();
    ByteArrayOutputStream formatterOutput = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(formatterOutput, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(out)
          .setNodeId(NODE_ID)
          .setClusterId(id)
          .setDirectories(List.of(logDir.toString()))
          .setMetadataLogDirectory(logDir.toString())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .setReleaseVersion(MetadataVersion.latestProduction())
          .setFeatureLevel(Feature.SHARE_VERSION.featureName(), Feature.SHARE_VERSION.latestProduction())
          .run();
    } catch (Exception e) {
      throw new DevBrokerException("cannot format Kafka data directory " + logDir + ": " + e.getMessage(), e);
    }
    LOG.debug("Formatted {}: {}", logDir, formatterOutput.toString(StandardCharsets.UTF_8).strip());
    return id;
  }

  private static String storedClusterId(Path meta) {
    Properties p = new Properties();
    try (var in = Files.newInputStream(meta)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + meta, e);
    }
    String id = p.getProperty("cluster.id");
    if (id == null || id.isBlank()) {
      throw new DevBrokerException(meta + " has no cluster.id; not a Kafka data directory this broker formatted");
    }
    return id;
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    Map<String, Object> cfg = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000,
        AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
    @Nullable Exception last = null;
    try (Admin admin = Admin.create(cfg)) {
      while (System.nanoTime() < deadline) {
        try {
          var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000));
          var nodes = cluster.nodes().get();
          if (!nodes.isEmpty() && Objects.equals(cluster.clusterId().get(), clusterId)) {
            for (Node n : nodes) {
              if (!HOST.equals(n.host())) {
                throw new DevBrokerException("broker advertises " + n.host() + ", expected " + HOST);
              }
            }
            return;
          }
        } catch (ExecutionException e) {
          last = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new DevBrokerException("interrupted while waiting for the broker on " + bootstrapServers(), e);
        }
        sleep(50);
      }
    }
    throw new DevBrokerException("Kafka broker on " + bootstrapServers() + " not ready after " + startTimeout
        + (last == null ? "" : ": " + last.getMessage()), last);
  }

  /**
   * The requested port, or a free ephemeral one on 127.0.0.1 when 0 or when the preferred
   * (previous) ephemeral port is taken. A port picked here could be taken by another process
   * before the broker binds it; the broker then fails to start with a bind error.
   */
  private int pickPort(int preferred) {
    if (preferred != 0 && (preferred == requestedPort || isFree(preferred))) {
      return preferred;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + HOST, e);
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void shutdownQuietly(KafkaRaftServer s) {
    try {
      s.shutdown();
      s.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.warn("Error while shutting down a broker that failed to start", e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DevBrokerException("interrupted while waiting for the broker", e);
    }
  }
}
