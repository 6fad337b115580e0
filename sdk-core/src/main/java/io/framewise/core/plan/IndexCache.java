package io.framewise.core.plan;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.framewise.RefusedInputException;
import io.framewise.core.ffmpeg.ContainerPool;
import io.framewise.spi.DetectorContext;
import io.framewise.spi.JobConfig;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.RemoteVideo;
import io.framewise.spi.VideoDecoderProvider;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

  /**
   * Indexes of remote inputs, by decoder, URI and chunk size, kept only briefly (nothing tells whether
   * the remote content changed): long enough for the job that made one (its check for an empty stream,
   * then its run), not for the next job. Maintenance runs on the caller's thread.
   */
  private static final Cache<List<String>, VideoIndex> REMOTE = Caffeine.newBuilder()
      .maximumSize(16)
      .expireAfterWrite(Duration.ofSeconds(30))
      .executor(Runnable::run)
      .build();

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

  /** The index of the job's input, local (in the job's detector's cache) or remote. */
  public static VideoIndex get(JobConfig config) throws IOException {
    RemoteVideo remote = config.remote();
    ContainerPool.sweepOn(config.context()); // indexing may keep its container for the first segments
    if (remote == null) {
      return get(config.context(), config.decoder(), config.video(), config.options());
    }
    PipelineOptions options = config.options();
    VideoDecoderProvider provider = config.decoder();
    List<String> key = List.of(provider.name(), remote.uri().toASCIIString(), Long.toString(options.chunkBytes()),
        String.valueOf(options.chunkDuration()));
    try {
      return Objects.requireNonNull(REMOTE.get(key, k -> {
        try {
          return provider.index(remote, options);
        } catch (UnsupportedOperationException e) {
          throw new RefusedInputException("FW-113", null, remote.display() + ": decoder " + provider.name()
              + " cannot index remote input; run it unchunked", e);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
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
    REMOTE.invalidateAll();
  }
}
