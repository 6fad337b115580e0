package io.framewise.distributed.coordinator;

import io.framewise.DetectionSummary;
import io.framewise.distributed.tasklog.CompletionEvent;
import io.framewise.distributed.tasklog.TaskLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of one job: publishes the tasks whose results the store does not hold yet, then
 * merges results in segment order as they arrive, and ends the document.
 *
 * <p>It listens to the events topic from its end as it was before publishing (so it sees every event
 * about its tasks) and, for each segment in order, asks the store: the store is the truth, events only
 * wake it up and carry failures. Memory: the next segment's index, and the reasons of segments that
 * failed or were given up beyond it; nothing grows with the number of segments or frames.
 *
 * <p>A coordinator killed mid-job loses nothing: the same job submitted again (same input, model and
 * settings, so the same job id) finds the stored results, publishes only the missing tasks and writes
 * the same bytes.
 */
public final class Coordinator {

  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
  private static final Duration POLL = Duration.ofMillis(300);
  private static final long WAITING_LOG_MS = 30_000;

  private final TaskLog log;

  /**
   * @param log the task log
   */
  public Coordinator(TaskLog log) {
    this.log = Objects.requireNonNull(log, "log");
  }

  /** What one run did: the summary and how many tasks it published and found stored. */
  public record Outcome(DetectionSummary summary, int published, int reused) {}

  /**
   * Runs the job to its end and closes nothing (the caller closes the job).
   *
   * @param job the planned job
   * @return the summary and counts
   * @throws io.framewise.DetectorIOException (FW-800) if Kafka cannot be used, or the store or output
   *     cannot be read or written
   * @throws IOException if the output cannot be written
   */
  public Outcome run(PlannedJob job) throws IOException {
    log.prepare();
    String id = job.id();
    int n = job.segments();
    try (KafkaConsumer<String, byte[]> events = log.eventReader(); KafkaProducer<String, byte[]> tasks = log.producer()) {
      listenFromNow(events);
      int published = 0;
      int reused = 0;
      Future<RecordMetadata> last = null;
      for (int i = 0; i < n; i++) {
        if (job.stored(i)) {
          reused++;
        } else {
          last = publish(tasks, job, i);
          published++;
        }
      }
      await(last, id);
      LOG.info("job {}: {} segment(s), {} task(s) published to {}, {} result(s) already stored", shortId(id), n, published,
          log.settings().tasksTopic(), reused);
      Map<Integer, String> lastFailure = new TreeMap<>();
      Map<Integer, String> givenUp = new TreeMap<>();
      int next = 0;
      int end = n;
      long lastProgress = System.currentTimeMillis();
      while (next < end) {
        if (job.stored(next)) {
          boolean goOn;
          try {
            goOn = job.merge(next);
          } catch (PlannedJob.UnsoundResult e) {
            LOG.warn("job {}: {}; its task is published again", shortId(id), e.getMessage());
            await(publish(tasks, job, next), id);
            published++;
            continue;
          }
          lastFailure.remove(next);
          givenUp.remove(next);
          if (!goOn && next < n) {
            LOG.warn("job {}: segment {} met damaged data; the stream is decoded whole from there (task {})", shortId(id), next, n);
            if (!job.stored(n)) {
              await(publish(tasks, job, n), id);
              published++;
            }
            end = n + 1;
            next = n;
          } else {
            next++;
          }
          lastProgress = System.currentTimeMillis();
          continue;
        }
        String gaveUp = givenUp.remove(next);
        if (gaveUp != null) {
          String why = lastFailure.remove(next);
          job.lost(next, gaveUp + (why != null ? "; last failure: " + why : ""));
          next++;
          lastProgress = System.currentTimeMillis();
          continue;
        }
        for (ConsumerRecord<String, byte[]> r : events.poll(POLL)) {
          if (!id.equals(r.key())) {
            continue; // another job's
          }
          CompletionEvent e;
          try {
            e = CompletionEvent.decode(r.value());
          } catch (IllegalArgumentException ex) {
            LOG.warn("job {}: ignoring an event at {}-{}@{}: {}", shortId(id), r.topic(), r.partition(), r.offset(), ex.getMessage());
            continue;
          }
          if (e.segment() < next || e.segment() >= end) {
            continue;
          }
          onEvent(job, e, lastFailure, givenUp);
        }
        if (System.currentTimeMillis() - lastProgress > WAITING_LOG_MS) {
          LOG.info("job {}: waiting for segment {} of {} (is a worker running on {}?)", shortId(id), next, end,
              log.settings().bootstrap());
          lastProgress = System.currentTimeMillis();
        }
      }
      DetectionSummary summary = job.finish();
      return new Outcome(summary, published, reused);
    }
  }

  private void onEvent(PlannedJob job, CompletionEvent e, Map<Integer, String> lastFailure, Map<Integer, String> givenUp) {
    String where = "job " + shortId(e.job()) + " segment " + e.segment() + ", worker " + e.worker() + ", delivery " + e.delivery();
    switch (e.status()) {
      case STORED -> LOG.debug("{}: {}", where, e.message());
      case FAILED -> {
        if ("FW-824".equals(e.code())) {
          LOG.error("{}: {} ({})", where, e.message(), e.code());
          job.error("FW-824", e.message(), e.segment());
        } else {
          LOG.warn("{}: attempt failed: {}{}", where, e.message(), e.code() != null ? " (" + e.code() + ")" : "");
          lastFailure.put(e.segment(), e.message() + (e.code() != null ? " (" + e.code() + ")" : ""));
        }
      }
      case REFUSED -> {
        LOG.warn("{}: task refused: {} ({})", where, e.message(), e.code());
        lastFailure.put(e.segment(), "refused by " + e.worker() + ": " + e.message() + " (" + e.code() + ")");
      }
      case GAVE_UP -> {
        LOG.warn("{}: given up: {}", where, e.message());
        givenUp.put(e.segment(), e.message());
      }
    }
  }

  /** Assigns every partition of the events topic at its current end. */
  private void listenFromNow(KafkaConsumer<String, byte[]> events) {
    String topic = log.settings().eventsTopic();
    List<PartitionInfo> infos = events.partitionsFor(topic, Duration.ofSeconds(60));
    if (infos == null || infos.isEmpty()) {
      throw log.unreachable("no partitions for topic " + topic, new IOException("topic missing"));
    }
    List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    events.assign(parts);
    events.seekToEnd(parts);
    for (TopicPartition tp : parts) {
      events.position(tp, Duration.ofSeconds(60)); // resolves the end now, before any task is published
    }
  }

  private Future<RecordMetadata> publish(KafkaProducer<String, byte[]> tasks, PlannedJob job, int segment) {
    ProducerRecord<String, byte[]> r = new ProducerRecord<>(log.settings().tasksTopic(), job.id() + "/" + segment, job.task(segment));
    r.headers().add(new RecordHeader(TaskLog.JOB_HEADER, job.id().getBytes(StandardCharsets.UTF_8)));
    r.headers().add(new RecordHeader(TaskLog.SEGMENT_HEADER, Integer.toString(segment).getBytes(StandardCharsets.UTF_8)));
    return tasks.send(r);
  }

  private void await(@Nullable Future<RecordMetadata> f, String id) {
    if (f == null) {
      return;
    }
    try {
      f.get(); // the producer is idempotent and sends in order: the last acknowledged means all are
    } catch (ExecutionException e) {
      throw log.unreachable("cannot publish the tasks of job " + id, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw log.unreachable("interrupted publishing the tasks of job " + id, e);
    }
  }

  static String shortId(String id) {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }
}
