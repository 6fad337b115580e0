package io.framewise.gpu;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.framewise.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Loaded model sessions, keyed by the model file's identity (path, size, modification time), the
 * spec's overrides and the device settings, so jobs and segment workers share one session per model
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

  record Key(Path path, long size, long modified, String format, List<String> labels, @Nullable Path labelsFile,
      long labelsModified, int inputWidth, int inputHeight, String name, String device, int threads) {}

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
      Path p = spec.path().toAbsolutePath().normalize();
      if (!Files.isRegularFile(p)) {
        return null;
      }
      Path labels = spec.labelsFile();
      long labelsModified = labels != null && Files.isRegularFile(labels) ? Files.getLastModifiedTime(labels).toMillis() : -1;
      return new Key(p, Files.size(p), Files.getLastModifiedTime(p).toMillis(), spec.format().id(), spec.labels(),
          labels == null ? null : labels.toAbsolutePath().normalize(), labelsModified, spec.inputWidth(), spec.inputHeight(),
          spec.displayName(), ExecutionDevice.requested(), threads);
    } catch (IOException e) {
      return null;
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
