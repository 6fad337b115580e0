package io.framewise.gpu;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.framewise.ModelSpec;
import io.framewise.spi.DetectorContext;
import io.framewise.spi.DetectorSettings;
import io.framewise.spi.JobFingerprint;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * One detector's loaded model sessions ({@link DetectorContext#resource a resource of its context}),
 * keyed by the model's {@link JobFingerprint#ofModel identity} (path, content hash, format, labels,
 * input size and name: the same fields a job's fingerprint takes for the model) and the device
 * settings, so the detector's jobs and segment workers share one session per model instead of loading
 * it again. Bounded ({@link DetectorSettings#modelCacheSize()}) and expiring
 * {@link DetectorSettings#idleTimeout()} after its last user released it (never while a job uses it), on
 * the context's timer (so an idle server
 * releases them too); {@link #close()} (when the detector closes) drops them all. A session closes,
 * freeing its native memory, once it has left the cache and no adapter uses it.
 *
 * <p>Caffeine's maintenance and removal run on the thread that triggers them (a job's or the timer's),
 * never on the common pool.
 */
final class ModelCache implements AutoCloseable {

  private final Cache<Key, LoadedModel> cache;
  private final DetectorSettings settings;

  ModelCache(DetectorContext context) {
    this.settings = context.settings();
    this.cache = Caffeine.newBuilder()
        .maximumSize(settings.modelCacheSize())
        .expireAfter(new Expiry<Key, LoadedModel>() {
          // A session is idle from the moment its last user releases it (see acquire), not from its last lookup:
          // looked up means about to be used, so it does not expire while a job that is longer than the timeout runs.
          @Override
          public long expireAfterCreate(Key key, LoadedModel value, long currentTime) {
            return Long.MAX_VALUE;
          }

          @Override
          public long expireAfterUpdate(Key key, LoadedModel value, long currentTime, long currentDuration) {
            return currentDuration;
          }

          @Override
          public long expireAfterRead(Key key, LoadedModel value, long currentTime, long currentDuration) {
            return Long.MAX_VALUE;
          }
        })
        .executor(Runnable::run)
        .scheduler(scheduler(context))
        .removalListener((@Nullable Key k, @Nullable LoadedModel m, RemovalCause cause) -> {
          if (m != null) {
            m.evicted();
          }
        })
        .build();
  }

  /** The model cache of a detector. */
  static ModelCache of(DetectorContext context) {
    return context.resource(ModelCache.class, ModelCache::new);
  }

  /** Caffeine's timer on the context's: runs expiry when it is due, not only when the cache is next used. */
  static Scheduler scheduler(DetectorContext context) {
    return (executor, command, delay, unit) -> {
      try {
        return context.schedule(() -> executor.execute(command), delay, unit);
      } catch (IllegalStateException closed) {
        Future<?> none = CompletableFuture.completedFuture(null);
        return none; // the detector is closed: its caches were emptied
      }
    };
  }

  record Key(JobFingerprint model, String device, int threads) {}

  /** Intra-op threads for one of {@code workers} concurrent sessions. */
  int threadsFor(int workers) {
    return settings.intraOpThreads() > 0 ? settings.intraOpThreads() : LoadedModel.threadsFor(workers);
  }

  /** Returns the model with a reference taken; the caller releases it. */
  LoadedModel acquire(ModelSpec spec, int threads) {
    Key key = key(spec, threads);
    if (key == null) {
      LoadedModel m = LoadedModel.load(spec, threads, settings.device()); // let loading report the problem
      m.retain();
      m.evicted();
      return m;
    }
    while (true) {
      LoadedModel m = cache.get(key, k -> {
        LoadedModel loaded = LoadedModel.load(spec, threads, settings.device());
        loaded.onIdle(() -> idle(k, loaded));
        return loaded;
      });
      if (m.retain()) {
        return m;
      }
      cache.asMap().remove(key, m);
    }
  }

  /** The last user released the model: it expires after the idle timeout unless a job takes it again. */
  private void idle(Key key, LoadedModel model) {
    if (cache.asMap().get(key) == model) { // a lookup: Expiry makes it "in use" first, then the idle clock starts
      cache.policy().expireVariably().ifPresent(p -> p.setExpiresAfter(key, settings.idleTimeout()));
      cache.cleanUp(); // maintenance now, which schedules the timer for the new expiry
    }
  }

  private @Nullable Key key(ModelSpec spec, int threads) {
    try {
      return new Key(JobFingerprint.ofModel(spec), settings.device(), threads);
    } catch (IOException e) {
      return null; // not a regular file, or unreadable: loading reports it
    }
  }

  /** Drops every session: each closes now, or when the last adapter using it closes. */
  @Override
  public void close() {
    cache.invalidateAll();
    cache.cleanUp();
  }

  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  // The shared context's cache, for tests of the default detector.

  static LoadedModel acquire(ModelSpec spec, int threads, boolean shared) {
    return of(DetectorContext.shared()).acquire(spec, threads);
  }

  static void clear() {
    of(DetectorContext.shared()).close();
  }

  static long sharedSize() {
    return of(DetectorContext.shared()).size();
  }
}
