package io.framewise.gpu;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.framewise.ModelSpec;
import io.framewise.spi.JobFingerprint;
import java.io.IOException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Loaded model sessions, keyed by the model's {@link JobFingerprint#ofModel identity} (path, content
 * hash, format, labels, input size and name: the same fields a job's fingerprint takes for the model)
 * and the device settings, so jobs and segment workers share one session per model
 * instead of loading it again. Bounded ({@code framewise.cache.models}, default 4) and expiring after
 * ten idle minutes; a session closes once it has left the cache and no adapter uses it.
 */
final class ModelCache {

  private static final Cache<Key, LoadedModel> CACHE = Caffeine.newBuilder()
      .maximumSize(Long.getLong("framewise.cache.models", 4))
      .expireAfterAccess(Duration.ofMinutes(10))
      .removalListener((@Nullable Key k, @Nullable LoadedModel m, RemovalCause cause) -> {
        if (m != null) {
          m.evicted();
        }
      })
      .build();

  private ModelCache() {}

  record Key(JobFingerprint model, String device, int threads) {}

  /** Returns the model with a reference taken; the caller releases it. */
  static LoadedModel acquire(ModelSpec spec, int threads) {
    Key key = key(spec, threads);
    if (key == null) {
      LoadedModel m = LoadedModel.load(spec, threads); // let loading report the problem
      m.retain();
      m.evicted();
      return m;
    }
    while (true) {
      LoadedModel m = CACHE.get(key, k -> LoadedModel.load(spec, threads));
      if (m.retain()) {
        return m;
      }
      CACHE.asMap().remove(key, m);
    }
  }

  private static @Nullable Key key(ModelSpec spec, int threads) {
    try {
      return new Key(JobFingerprint.ofModel(spec), ExecutionDevice.requested(), threads);
    } catch (IOException e) {
      return null; // not a regular file, or unreadable: loading reports it
    }
  }

  static void clear() {
    CACHE.invalidateAll();
    CACHE.cleanUp();
  }

  static long size() {
    return CACHE.estimatedSize();
  }
}
