package io.framewise.core.plan;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.framewise.spi.DetectorContext;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoDecoderProvider;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One detector's video indexes (a {@linkplain DetectorContext#resource resource} of its context) by
 * {@link JobFingerprint#ofIndex index fingerprint} (the decoder, the input's path, size, modification
 * time and sampled content, the chunk size: the same fields a job's fingerprint takes for them), so a
 * service that runs several jobs on one upload indexes it once. Bounded
 * ({@link io.framewise.spi.DetectorSettings#indexCacheSize()}; an index is a few numbers per key frame),
 * released after the detector's idle timeout on its timer, and when the detector closes. Caffeine's
 * maintenance runs on the caller's or the timer's thread, never on the common pool.
 */
public final class IndexCache implements AutoCloseable {

  private final Cache<JobFingerprint, VideoIndex> cache;

  private IndexCache(DetectorContext context) {
    this.cache = Caffeine.newBuilder()
        .maximumSize(context.settings().indexCacheSize())
        .expireAfterAccess(context.settings().idleTimeout())
        .executor(Runnable::run)
        .scheduler((executor, command, delay, unit) -> {
          try {
            return context.schedule(() -> executor.execute(command), delay, unit);
          } catch (IllegalStateException closed) {
            return java.util.concurrent.CompletableFuture.completedFuture(null); // closed: the cache was emptied
          }
        })
        .build();
  }

  /** The index cache of the detector whose context this is. */
  public static IndexCache of(DetectorContext context) {
    return context.resource(IndexCache.class, IndexCache::new);
  }

  public static VideoIndex get(DetectorContext context, VideoDecoderProvider provider, Path video, PipelineOptions options)
      throws IOException {
    return of(context).get(provider, video, options);
  }

  public VideoIndex get(VideoDecoderProvider provider, Path video, PipelineOptions options) throws IOException {
    JobFingerprint key;
    try {
      key = JobFingerprint.ofIndex(provider, video, options);
    } catch (IOException e) {
      return provider.index(video, options); // let the provider report the missing or unreadable file
    }
    try {
      return Objects.requireNonNull(cache.get(key, k -> {
        try {
          return provider.index(video, options);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** Drops every index. */
  @Override
  public void close() {
    cache.invalidateAll();
    cache.cleanUp();
  }

  /** Empties the shared context's cache (tests). */
  public static void clear() {
    of(DetectorContext.shared()).close();
  }
}
