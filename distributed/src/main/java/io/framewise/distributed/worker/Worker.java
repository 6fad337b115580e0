package io.framewise.distributed.worker;

import io.framewise.VideoDetectorException;
import io.framewise.distributed.tasklog.CompletionEvent;
import io.framewise.distributed.tasklog.TaskLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker: takes segment tasks of any job from the share group, one at a time, runs them with its
 * {@link TaskExecutor} (which stores the result), publishes a completion event and then
 * acknowledges the task. While a task runs, the polling thread renews its lock every third of the
 * lock duration, so a segment may take longer than the lock.
 *
 * <p>Order per task: result stored, event published, record accepted. A worker killed before the
 * acknowledgement leaves the task to be delivered again; the next delivery finds the result stored
 * and reports it without computing it again. A failed attempt releases the task (it is delivered
 * again, here or elsewhere); a refused one too, after a pause. A delivery beyond the group's
 * attempts does not run: the worker publishes {@link CompletionEvent.Status#GAVE_UP} and accepts it.
 *
 * <p>{@link #run()} returns after {@link #stop()} (from another thread) or a fatal Kafka error.
 */
public final class Worker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(500);
  /** A refused task goes back after this pause, so that another worker may take it. */
  private static final long REFUSAL_PAUSE_MS = 1000;

  private final TaskLog log;
  private final TaskExecutor executor;
  private final String name;
  private volatile boolean stopped;
  private volatile @Nullable KafkaShareConsumer<String, byte[]> consumer;

  /**
   * @param log the task log (its settings say the topics and group)
   * @param executor what runs a task on this instance
   * @param name this worker's name in events and logs (host and process, for example)
   */
  public Worker(TaskLog log, TaskExecutor executor, String name) {
    this.log = Objects.requireNonNull(log, "log");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.name = Objects.requireNonNull(name, "name");
  }

  /**
   * Asks {@link #run()} to return soon: the task in progress is interrupted and, with every task this
   * worker holds, released to the group (closing the consumer releases them), so another worker takes
   * it at once. A result already stored stays; the next delivery finds it.
   */
  public void stop() {
    stopped = true;
    KafkaShareConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }

  /**
   * Processes tasks until stopped.
   *
   * @throws io.framewise.DetectorIOException (FW-800) if Kafka cannot be reached
   */
  public void run() {
    log.prepare();
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "framewise-worker-task");
      t.setDaemon(true);
      return t;
    });
    try (KafkaProducer<String, byte[]> events = log.producer();
        KafkaShareConsumer<String, byte[]> c = log.shareConsumer(name)) {
      consumer = c;
      c.subscribe(List.of(log.settings().tasksTopic()));
      LOG.info("worker {} waiting for tasks on {} ({}), group {}", name, log.settings().tasksTopic(), log.settings().bootstrap(),
          log.settings().workerGroup());
      new Loop(c, events, pool).run();
    } catch (WakeupException e) {
      if (!stopped) {
        throw e;
      }
    } finally {
      stopped = true;
      consumer = null;
      pool.shutdownNow();
    }
    LOG.info("worker {} stopped", name);
  }

  @Override
  public void close() {
    stop();
    executor.close();
  }

  /** The polling thread's state: the tasks it holds and the one that runs. */
  private final class Loop {
    private final KafkaShareConsumer<String, byte[]> c;
    private final KafkaProducer<String, byte[]> events;
    private final ExecutorService pool;
    private final long renewMs = Math.max(300, log.settings().lockDuration().toMillis() / 3);
    /** Records this worker holds (acquired, renewed until finished), by partition and offset: at most two. */
    private final Map<String, Held> held = new LinkedHashMap<>();
    private @Nullable Held running;

    Loop(KafkaShareConsumer<String, byte[]> c, KafkaProducer<String, byte[]> events, ExecutorService pool) {
      this.c = c;
      this.events = events;
      this.pool = pool;
    }

    void run() {
      while (true) {
        if (stopped) {
          if (running != null) {
            Objects.requireNonNull(running.future).cancel(true); // interrupts the segment; its record is released
          }
          return; // closing the consumer releases every record it holds: they go to other workers at once
        }
        if (running != null) {
          awaitRunning();
        }
        Iterable<ConsumerRecord<String, byte[]>> records;
        try {
          records = c.poll(running != null || !held.isEmpty() ? Duration.ofMillis(100) : IDLE_POLL);
        } catch (WakeupException e) {
          if (stopped && running == null) {
            releaseHeldOnStop();
            return;
          }
          continue;
        } catch (KafkaException e) {
          // the broker restarting, a lost connection: the client reconnects; locks may be gone
          LOG.warn("worker {}: poll failed ({}); retrying", name, oneLine(e));
          sleepQuietly(500);
          continue;
        }
        boolean acked = false;
        for (ConsumerRecord<String, byte[]> r : records) {
          acked |= onReturned(r);
        }
        if (running == null && !stopped) {
          startNext();
        }
        if (acked) {
          commit();
        }
        dropLost();
      }
    }

    /** Sends the acknowledgements; a failed one (lock lost, broker away) leaves the task to a new delivery. */
    private void commit() {
      try {
        c.commitSync().forEach((tp, failure) -> failure.ifPresent(
            f -> LOG.warn("worker {}: acknowledgement on {} failed: {}", name, tp, oneLine(f))));
      } catch (WakeupException e) {
        throw e;
      } catch (KafkaException e) {
        LOG.warn("worker {}: acknowledgements failed ({}); the tasks concerned will be delivered again", name, oneLine(e));
      }
    }

    /** Waits up to a renewal interval for the running task. */
    private void awaitRunning() {
      Held h = Objects.requireNonNull(running);
      try {
        h.future.get(renewMs, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // timeout: poll to renew; failure: handled when its record comes back
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopped = true;
      }
    }

    /** A held or new record returned by poll: acknowledge it (a final type when its task is done, else RENEW). */
    private boolean onReturned(ConsumerRecord<String, byte[]> r) {
      String key = r.topic() + "/" + r.partition() + "@" + r.offset();
      Held h = held.get(key);
      if (h == null) {
        if (held.size() >= 2 || stopped) {
          c.acknowledge(r, AcknowledgeType.RELEASE); // acquired while busy: give it to someone idle
          return true;
        }
        h = new Held(key, r);
        held.put(key, h);
      }
      h.record = r;
      h.returnedAt = System.currentTimeMillis();
      if (h.finalAck != null) {
        c.acknowledge(r, h.finalAck);
        held.remove(key);
        if (h.finalAck == AcknowledgeType.RELEASE && h.pauseAfter) {
          sleepQuietly(REFUSAL_PAUSE_MS);
        }
        return true;
      }
      if (h.future != null && h.future.isDone()) {
        finish(h);
        c.acknowledge(r, Objects.requireNonNull(h.finalAck));
        held.remove(key);
        return true;
      }
      c.acknowledge(r, AcknowledgeType.RENEW);
      return true;
    }

    /** Starts the oldest held record that has not run, or gives it up when it is past its attempts. */
    private void startNext() {
      for (Held h : held.values()) {
        if (h.future == null && h.finalAck == null) {
          ConsumerRecord<String, byte[]> r = h.record;
          int delivery = r.deliveryCount().orElse((short) 1);
          String job = header(r, TaskLog.JOB_HEADER);
          String seg = header(r, TaskLog.SEGMENT_HEADER);
          int segment;
          try {
            segment = Integer.parseInt(Objects.requireNonNull(seg));
          } catch (RuntimeException e) {
            segment = -1;
          }
          if (job == null || segment < 0) {
            LOG.warn("worker {}: record {} is not a Framewise task (headers {} and {} missing or invalid); rejected", name, h.key,
                TaskLog.JOB_HEADER, TaskLog.SEGMENT_HEADER);
            h.finalAck = AcknowledgeType.REJECT;
            continue;
          }
          h.job = job;
          h.segment = segment;
          if (delivery > log.settings().attempts()) {
            publish(h, CompletionEvent.Status.GAVE_UP, "FW-108", log.settings().attempts() + " attempt(s) (delivery "
                + delivery + " not run)");
            h.finalAck = AcknowledgeType.ACCEPT;
            continue;
          }
          h.delivery = delivery;
          byte[] task = r.value();
          String j = job;
          int s = segment;
          h.future = pool.submit(() -> executor.execute(task, j, s));
          running = h;
          LOG.info("worker {}: job {} segment {} (delivery {})", name, shortJob(job), segment, delivery);
          return;
        }
      }
    }

    /** The running task is done: publish its event and decide its acknowledgement. */
    private void finish(Held h) {
      running = null;
      try {
        String message = Objects.requireNonNull(h.future).get();
        publish(h, CompletionEvent.Status.STORED, null, message);
        h.finalAck = AcknowledgeType.ACCEPT;
        LOG.info("worker {}: job {} segment {}: {}", name, shortJob(h.job), h.segment, message);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        String code = cause instanceof VideoDetectorException v ? v.code() : null;
        String message = oneLine(cause);
        if ("FW-824".equals(code)) {
          publish(h, CompletionEvent.Status.FAILED, code, message);
          LOG.error("worker {}: job {} segment {}: {}", name, shortJob(h.job), h.segment, message);
          h.finalAck = AcknowledgeType.ACCEPT; // deterministic results differ: running it again cannot help
          return;
        }
        if (isRefusal(code)) {
          publish(h, CompletionEvent.Status.REFUSED, code, message);
          LOG.warn("worker {}: job {} segment {} refused: {}", name, shortJob(h.job), h.segment, message);
          h.pauseAfter = true;
        } else {
          publish(h, CompletionEvent.Status.FAILED, code, message);
          LOG.warn("worker {}: job {} segment {} failed (delivery {}): {}", name, shortJob(h.job), h.segment, h.delivery, message);
        }
        h.finalAck = AcknowledgeType.RELEASE;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        h.finalAck = AcknowledgeType.RELEASE;
      }
    }

    private void publish(Held h, CompletionEvent.Status status, @Nullable String code, String message) {
      CompletionEvent ev = new CompletionEvent(Objects.requireNonNull(h.job), h.segment, status, code, message, name,
          h.record.deliveryCount().orElse((short) 1));
      try {
        events.send(new ProducerRecord<>(log.settings().eventsTopic(), h.job, ev.encode())).get();
      } catch (ExecutionException e) {
        throw log.unreachable("cannot publish the event of job " + h.job + " segment " + h.segment, e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw log.unreachable("interrupted publishing an event", e);
      }
    }

    /**
     * Forgets a finished record that has not come back for a whole lock duration (its lock is
     * gone, for example after a broker restart): its next delivery finds the result stored.
     */
    private void dropLost() {
      long now = System.currentTimeMillis();
      Iterator<Held> it = held.values().iterator();
      while (it.hasNext()) {
        Held h = it.next();
        if ((h.future == null || h.future.isDone()) && now - h.returnedAt > log.settings().lockDuration().toMillis()) {
          if (h.future != null && h.finalAck == null) {
            finish(h); // publishes its event; the acknowledgement is moot
          }
          LOG.info("worker {}: task {} not returned by Kafka for {} ms; its lock is gone, left to a new delivery", name, h.key,
              now - h.returnedAt);
          it.remove();
        }
      }
    }

    private void releaseHeldOnStop() {
      held.clear(); // closing the consumer releases what it holds
    }
  }

  /** A record this worker holds. */
  private static final class Held {
    final String key;
    ConsumerRecord<String, byte[]> record;
    long returnedAt = System.currentTimeMillis();
    @Nullable Future<String> future;
    @Nullable AcknowledgeType finalAck;
    boolean pauseAfter;
    @Nullable String job;
    int segment = -1;
    int delivery;

    Held(String key, ConsumerRecord<String, byte[]> record) {
      this.key = key;
      this.record = record;
    }
  }

  static boolean isRefusal(@Nullable String code) {
    return "FW-820".equals(code) || "FW-821".equals(code) || "FW-822".equals(code) || "FW-823".equals(code);
  }

  private static @Nullable String header(ConsumerRecord<String, byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  static String shortJob(@Nullable String job) {
    return job == null ? "?" : job.length() > 12 ? job.substring(0, 12) : job;
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("\\s+", " ").trim();
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
