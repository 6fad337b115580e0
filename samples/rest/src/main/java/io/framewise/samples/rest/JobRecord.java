package io.framewise.samples.rest;

import io.framewise.JobError;
import io.framewise.JobHandle;
import io.framewise.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/** One job of the service: its folder, state and progress. Thread-safe. */
final class JobRecord {

  /** A job's states, as the API names them. */
  enum State {
    QUEUED, RUNNING, COMPLETE, FAILED, CANCELLED;

    String json() {
      return name().toLowerCase(Locale.ROOT);
    }

    boolean ended() {
      return this == COMPLETE || this == FAILED || this == CANCELLED;
    }
  }

  /** What {@code GET /jobs/{id}} shows. */
  record Snapshot(String id, State state, long framesDone, long framesTotal, double fps, @Nullable Long etaSeconds,
      List<JobError> errors) {}

  private final String id;
  private final Path dir;
  /** Counted down when the video and model are open (the listener started) or when the job ended. */
  final CountDownLatch opened = new CountDownLatch(1);
  /** Counted down when the job's end is recorded. */
  final CountDownLatch ended = new CountDownLatch(1);

  private State state = State.QUEUED;
  private @Nullable Progress progress;
  private long framesDecoded = -1;
  private List<JobError> errors = List.of();
  private @Nullable String failureCode;
  private boolean mediaFailure;
  private long endedAtNanos;
  private @Nullable JobHandle handle;
  private @Nullable FrameCursor cursor;

  JobRecord(String id, Path dir) {
    this.id = id;
    this.dir = dir;
  }

  String id() {
    return id;
  }

  Path dir() {
    return dir;
  }

  Path video() {
    return dir.resolve("video");
  }

  Path result() {
    return dir.resolve("result.json");
  }

  synchronized void start(JobHandle h) {
    this.handle = h;
  }

  synchronized @Nullable JobHandle handle() {
    return handle;
  }

  synchronized void running() {
    if (state == State.QUEUED) {
      state = State.RUNNING;
    }
  }

  synchronized void progress(Progress p) {
    this.progress = p;
  }

  synchronized State state() {
    return state;
  }

  synchronized long framesDecoded() {
    return framesDecoded;
  }

  synchronized boolean mediaFailure() {
    return mediaFailure;
  }

  synchronized @Nullable String failureCode() {
    return failureCode;
  }

  synchronized List<JobError> errors() {
    return errors;
  }

  /** Ends the job: complete (with the frames decoded), failed or cancelled. */
  synchronized void end(State end, long decoded, List<JobError> errs, @Nullable String code, boolean media) {
    this.state = end;
    this.framesDecoded = decoded;
    this.errors = List.copyOf(errs);
    this.failureCode = code;
    this.mediaFailure = media;
    this.endedAtNanos = System.nanoTime();
    opened.countDown();
    ended.countDown();
  }

  synchronized long endedAtNanos() {
    return endedAtNanos;
  }

  /** {@return the frame cursor, opened on first use} */
  synchronized FrameCursor cursor() {
    if (cursor == null) {
      cursor = new FrameCursor(video(), result());
    }
    return cursor;
  }

  /** Closes the frame cursor, if open. */
  synchronized void closeCursor() {
    if (cursor != null) {
      cursor.close();
      cursor = null;
    }
  }

  synchronized Snapshot snapshot() {
    Progress p = progress;
    long done = p == null ? 0 : p.framesDone();
    long total = p == null ? 0 : p.framesTotal();
    if (state == State.COMPLETE) {
      done = framesDecoded;
      total = framesDecoded;
    }
    Long eta = state.ended() || p == null || p.eta() == null ? (state == State.COMPLETE ? Long.valueOf(0) : null)
        : Long.valueOf(Math.max(0, p.eta().toSeconds()));
    return new Snapshot(id, state, done, total, p == null ? 0 : p.fps(), eta, errors);
  }
}
