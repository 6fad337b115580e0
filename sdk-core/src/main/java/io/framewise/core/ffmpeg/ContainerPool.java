package io.framewise.core.ffmpeg;

import io.framewise.spi.DetectorContext;
import io.framewise.spi.VideoIndex;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Open containers kept between the segments of one input, so a chunked job opens its input about
 * once per worker instead of once per segment (see {@code docs/design/0013-input-and-index.md}).
 * Opening an MP4 reads and expands its whole sample table: 1.8 s for a 4.2-million-frame file, which
 * a job of 2,333 one-minute segments would otherwise pay 2,333 times.
 *
 * <p>A container is kept for one input and one {@link VideoIndex} (by identity): the index was made
 * from the bytes the container reads (an index is cached by the input's size, modification time and
 * sampled content), so a segment is never decoded from a file that changed since it was planned.
 * Only containers whose seeks land from their own index or the sample table are kept (MP4/MOV,
 * Matroska, AVI), and only after a reading that met no damage or read error. A borrowed container is
 * always repositioned by a seek to its segment's key frame, which is also what a freshly opened one
 * does, so the frames come out the same.
 *
 * <p>Bounded: at most {@code framewise.ffmpeg.idleContainers} idle containers (default 4; an idle MP4
 * container holds its sample table, tens of bytes per frame), each closed after
 * {@code framewise.ffmpeg.idleMillis} (default 10 s) unused. The pool starts no thread: idle containers
 * are closed by sweeps on the timer of the detector whose job used them ({@link #sweepOn}, so inside a
 * container they run on its managed threads), and whenever the pool is used. Thread-safe.
 */
public final class ContainerPool {

  static final ContainerPool SHARED = new ContainerPool(Integer.getInteger("framewise.ffmpeg.idleContainers", 4),
      Long.getLong("framewise.ffmpeg.idleMillis", 10_000));

  private final int max;
  private final long idleNanos;
  private final ArrayDeque<Idle> idle = new ArrayDeque<>(); // oldest first
  private final AtomicLong reused = new AtomicLong();
  /** The context whose timer holds the next sweep, or null when none is pending. */
  private @Nullable DetectorContext sweeper;

  ContainerPool(int max, long idleMillis) {
    this.max = Math.max(0, max);
    this.idleNanos = Math.max(0, idleMillis) * 1_000_000;
  }

  private record Idle(FfmpegVideoDecoder.Container container, VideoIndex index, long since) {}

  /**
   * Has the timer of {@code context} close the shared pool's containers once they have been idle for
   * the limit (one sweep pending at a time; a sweep reschedules itself while containers remain). Called
   * by the runs after they index an input or open a segment.
   *
   * @param context the context of the job that used the pool
   */
  public static void sweepOn(DetectorContext context) {
    SHARED.scheduleSweep(context);
  }

  void scheduleSweep(DetectorContext context) {
    if (idleNanos == 0) {
      return;
    }
    synchronized (this) {
      if (sweeper != null && !sweeper.isClosed()) {
        return;
      }
      sweeper = context;
    }
    try {
      context.schedule(() -> {
        synchronized (this) {
          sweeper = null;
        }
        closeIdle();
        if (idleCount() > 0) {
          scheduleSweep(context);
        }
      }, idleNanos + TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.NANOSECONDS);
    } catch (IllegalStateException closed) { // the detector closed meanwhile: nothing of its jobs stays open
      synchronized (this) {
        sweeper = null;
      }
      closeAll();
    }
  }

  /** An idle container of {@code input} kept for {@code index}, or null: the caller then opens one. */
  FfmpegVideoDecoder.@Nullable Container take(FfmpegInput input, VideoIndex index) {
    closeIdle();
    synchronized (this) {
      Iterator<Idle> it = idle.descendingIterator(); // the most recently used first
      while (it.hasNext()) {
        Idle i = it.next();
        if (i.index == index && i.container.input.url().equals(input.url())) {
          it.remove();
          reused.incrementAndGet();
          return i.container;
        }
      }
    }
    return null;
  }

  /** Keeps {@code c} for later segments planned by {@code index}, or closes it. */
  void give(FfmpegVideoDecoder.Container c, VideoIndex index) {
    if (max == 0 || idleNanos == 0 || !keepable(c)) {
      c.close();
      return;
    }
    FfmpegVideoDecoder.Container evicted = null;
    synchronized (this) {
      idle.addLast(new Idle(c, index, System.nanoTime()));
      if (idle.size() > max) {
        evicted = idle.pollFirst().container;
      }
    }
    if (evicted != null) {
      evicted.close();
    }
  }

  /** Closes containers idle for longer than the limit. */
  public void closeIdle() {
    long now = System.nanoTime();
    while (true) {
      FfmpegVideoDecoder.Container old;
      synchronized (this) {
        Idle first = idle.peekFirst();
        if (first == null || now - first.since < idleNanos) {
          return;
        }
        old = idle.pollFirst().container;
      }
      old.close();
    }
  }

  /** Closes every idle container now. */
  void closeAll() {
    while (true) {
      FfmpegVideoDecoder.Container old;
      synchronized (this) {
        Idle first = idle.pollFirst();
        if (first == null) {
          return;
        }
        old = first.container;
      }
      old.close();
    }
  }

  synchronized int idleCount() {
    return idle.size();
  }

  /** How many segments were decoded from a kept container instead of a newly opened one. */
  long reusedCount() {
    return reused.get();
  }

  private static boolean keepable(FfmpegVideoDecoder.Container c) {
    String format = c.format.iformat() == null ? "" : c.format.iformat().name().getString();
    return format.startsWith("mov") || format.startsWith("matroska") || format.equals("avi");
  }
}
