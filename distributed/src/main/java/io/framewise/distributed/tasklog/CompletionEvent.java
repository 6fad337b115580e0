package io.framewise.distributed.tasklog;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * What a worker reports about one delivery of a task, on the events topic.
 *
 * @param job the job (its fingerprint)
 * @param segment the segment index
 * @param status what happened
 * @param code the FW code of a failure or refusal, else null
 * @param message a one-line description (the failure, or "stored", "reused")
 * @param worker the worker's name
 * @param delivery the delivery count of the record when it was handled
 */
public record CompletionEvent(String job, int segment, Status status, @Nullable String code, String message, String worker,
    int delivery) {

  /** The outcome of one delivery. */
  public enum Status {
    /** The segment's result is in the store (computed now, or found there). */
    STORED,
    /** The attempt failed; the task goes back to the queue. */
    FAILED,
    /** The worker refused the task (its model or input is not one this worker may or can use). */
    REFUSED,
    /** The task ran out of attempts: its frames are lost (FW-108). */
    GAVE_UP
  }

  /** Validates. */
  public CompletionEvent {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(worker, "worker");
  }

  /** The event as a record value: Java properties text, UTF-8. */
  public byte[] encode() {
    Properties p = new Properties();
    p.setProperty("v", "1");
    p.setProperty("job", job);
    p.setProperty("segment", Integer.toString(segment));
    p.setProperty("status", status.name());
    if (code != null) {
      p.setProperty("code", code);
    }
    p.setProperty("message", message);
    p.setProperty("worker", worker);
    p.setProperty("delivery", Integer.toString(delivery));
    StringWriter w = new StringWriter();
    try {
      p.store(w, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads an event written by {@link #encode()}.
   *
   * @param bytes the record value
   * @return the event
   * @throws IllegalArgumentException if it is not one
   */
  public static CompletionEvent decode(byte[] bytes) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
      if (!"1".equals(p.getProperty("v"))) {
        throw new IllegalArgumentException("not a completion event of version 1");
      }
      return new CompletionEvent(req(p, "job"), Integer.parseInt(req(p, "segment")), Status.valueOf(req(p, "status")),
          p.getProperty("code"), req(p, "message"), req(p, "worker"), Integer.parseInt(req(p, "delivery")));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("malformed completion event: " + e.getMessage(), e);
    }
  }

  private static String req(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return v;
  }
}
