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
 * once instead of once per segment (see {@code docs/design/0013-input-and-index.md}). Opening an MP4
 * reads and expands its whole sample table: 1.8 s for a 4.2-million-frame file, which a job of 2,333
 * one-minute segments would otherwise pay 2,333 times, and about 45 to 120 bytes a frame of memory
 * while it is open.
 *
 * <p>A container is kept for one input and one {@link VideoIndex} (by identity): the index was made
 * from the bytes the container reads (an index is cached by the input's size, modification time and
 * sampled content), so a segment is never decoded from a file that changed since it was planned.
 * Only containers whose seeks land from their own index or the sample table are kept (MP4/MOV,
 * Matroska, AVI), and only after a reading that met no damage or read error. A borrowed container is
 * always repositioned by a seek to its segment's key frame, which is also what a freshly opened one
 * does, so the frames come out the same.
 *
 * <p><b>Shared.</b> An MP4/MOV container whose reading can be resumed exactly ({@link
 * MovSampleTable#shareable}: one sample description, strictly increasing decode times) is shared by
 * every decoder of its input and index at once: one demuxer, so one copy of the sample table per
 * process whatever the parallelism. Each decoder reads packets ahead under the container's lock and
 * seeks back to where it left off when another decoder read in between (design 0013). While one
 * decoder opens a container for an input and index, the others wait for it instead of opening their
 * own. Other containers are lent to one decoder at a time.
 *
 * <p>Bounded: at most {@code framewise.ffmpeg.idleContainers} idle containers (default 4; an idle MP4
 * container holds its sample table, tens of bytes per frame), each closed after
 * {@code framewise.ffmpeg.idleMillis} (default 10 s) unused; a shared container in use is counted by
 * its users and goes idle when the last one gives it back. The pool starts no thread: idle containers
 * are closed by sweeps on the timer of the detector whose job used them ({@link #sweepOn}, so inside a
 * container they run on its managed threads), and whenever the pool is used. Thread-safe.
 */
public final class ContainerPool {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ContainerPool.class);

  static final ContainerPool SHARED = new ContainerPool(Integer.getInteger("framewise.ffmpeg.idleContainers", 4),
      Long.getLong("framewise.ffmpeg.idleMillis", 10_000));

  private final int max;
  private final long idleNanos;
  private final ArrayDeque<Idle> idle = new ArrayDeque<>(); // oldest first
  /** Shared containers with at least one user. */
  private final java.util.ArrayList<FfmpegVideoDecoder.Container> shared = new java.util.ArrayList<>();
  /** Inputs and indexes for which a decoder is opening (or checking) a container the others wait for. */
  private final java.util.ArrayList<Key> opening = new java.util.ArrayList<>();
  private final AtomicLong reused = new AtomicLong();
  private final AtomicLong sharedTakes = new AtomicLong();
  /** The context whose timer holds the next sweep, or null when none is pending. */
  private @Nullable DetectorContext sweeper;

  ContainerPool(int max, long idleMillis) {
    this.max = Math.max(0, max);
    this.idleNanos = Math.max(0, idleMillis) * 1_000_000;
  }

  private record Idle(FfmpegVideoDecoder.Container container, VideoIndex index, long since) {}

  /** An open in progress: the input, the index (compared by identity) and the thread that opens it. */
  private record Key(String url, VideoIndex index, Thread opener) {
    boolean is(String u, VideoIndex i) {
      return index == i && url.equals(u);
    }
  }

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

  /**
   * A container of {@code input} for a decoder of a segment planned by {@code index}: a shared one in
   * use (one more user), else an idle one, else null: the caller then opens one and hands it to
   * {@link #opened} (or calls {@link #openFailed}), while other callers for the same input and index
   * wait for it. Whether the container returned is shared is {@link FfmpegVideoDecoder.Container#shared}.
   *
   * @param sharedOnly for a decoder that reads from the start of the input, which a lent container
   *     (positioned anywhere) cannot serve: an idle container that turns out not shareable stays idle,
   *     and null is returned
   */
  FfmpegVideoDecoder.@Nullable Container take(FfmpegInput input, VideoIndex index, boolean sharedOnly) {
    closeIdle();
    String url = input.url();
    FfmpegVideoDecoder.Container candidate = null;
    synchronized (this) {
      while (candidate == null) {
        for (FfmpegVideoDecoder.Container c : shared) {
          if (c.poolIndex == index && !c.doomed && c.input.url().equals(url)) {
            c.users++;
            reused.incrementAndGet();
            sharedTakes.incrementAndGet();
            return c;
          }
        }
        Iterator<Idle> it = idle.descendingIterator(); // the most recently used first
        while (it.hasNext()) {
          Idle i = it.next();
          if (i.index == index && i.container.input.url().equals(url)) {
            it.remove();
            candidate = i.container;
            break;
          }
        }
        if (candidate != null) {
          break;
        }
        if (Boolean.FALSE.equals(VERDICTS.get(index))) {
          return null; // its containers are lent whole: nobody waits for another's open
        }
        if (opening.stream().noneMatch(k -> k.is(url, index))) {
          opening.add(new Key(url, index, Thread.currentThread()));
          return null;
        }
        try {
          wait(100); // another decoder opens this input for this index: share its container
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
      opening.add(new Key(url, index, Thread.currentThread())); // while it is checked for sharing, outside the lock
    }
    if (!opened(candidate, index) && sharedOnly) {
      give(candidate, index);
      return null;
    }
    reused.incrementAndGet();
    return candidate;
  }

  /**
   * Takes in a container a caller of {@link #take} opened for {@code index} (or took idle): shared
   * when its reading can be resumed exactly, else lent to that caller alone. Wakes the callers waiting
   * for it.
   *
   * @return whether the container is shared
   */
  boolean opened(FfmpegVideoDecoder.Container c, VideoIndex index) {
    boolean share = false;
    try {
      share = c.shareable(); // reads the moov box's headers: done before anyone else reads the container
    } catch (RuntimeException e) {
      LOG.debug("{}: not shared: {}", c.input.display(), e.toString());
    } finally {
      synchronized (this) { // the end of this open and what it gave, at once for the callers waiting
        removeOwnOpening(c.input.url(), index);
        if (share) {
          c.users = 1;
          c.shared = true;
          c.poolIndex = index;
          shared.add(c);
        }
        VERDICTS.putIfAbsent(index, share);
        notifyAll();
      }
    }
    return share;
  }

  /** A caller of {@link #take} that got null could not open the input: the callers waiting for it open their own. */
  synchronized void openFailed(FfmpegInput input, VideoIndex index) {
    removeOwnOpening(input.url(), index);
    notifyAll();
  }

  /** Ends this thread's open of the input for the index, if it announced one (not another thread's). */
  private void removeOwnOpening(String url, VideoIndex index) {
    Thread me = Thread.currentThread();
    opening.removeIf(k -> k.opener == me && k.is(url, index));
  }

  /**
   * Keeps {@code c} for later segments planned by {@code index}, or closes it. A shared container loses
   * a user; when the last one gives it back it is kept idle, unless a user met damage in it.
   */
  void give(FfmpegVideoDecoder.Container c, VideoIndex index) {
    synchronized (this) {
      if (c.shared) {
        if (--c.users > 0) {
          return;
        }
        shared.remove(c);
        c.shared = false;
        if (c.doomed) {
          c.close();
          return;
        }
      }
    }
    if (max == 0 || idleNanos == 0 || !keepable(c) || c.doomed) {
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

  /**
   * Whether the input planned by an index turned out shareable, by index (equal indexes plan equal
   * content): for the budget, and so that nobody waits for another's open of an input lent whole.
   */
  private static final java.util.Map<VideoIndex, Boolean> VERDICTS = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /** Records whether the container an index was planned from can be shared (checked now, before anyone reads it). */
  static void judge(FfmpegVideoDecoder.Container c, VideoIndex index) {
    boolean share;
    try {
      share = c.shareable();
    } catch (RuntimeException e) {
      share = false;
    }
    VERDICTS.put(index, share);
  }

  /**
   * Whether the segment workers of a job planned by {@code index} share one open container (one copy of
   * its sample table), as far as the index's own container told: false when unknown.
   *
   * @param index an index made by {@link FfmpegIndexer}
   * @return whether its input's containers are shared
   */
  public static boolean sharesContainers(VideoIndex index) {
    return Boolean.TRUE.equals(VERDICTS.get(index));
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

  /** How many of those joined a container another decoder was using at the time (or had just opened). */
  long sharedCount() {
    return sharedTakes.get();
  }

  /** Shared containers in use. */
  synchronized int sharedInUse() {
    return shared.size();
  }

  private static boolean keepable(FfmpegVideoDecoder.Container c) {
    String format = c.format.iformat() == null ? "" : c.format.iformat().name().getString();
    return format.startsWith("mov") || format.startsWith("matroska") || format.equals("avi");
  }
}
