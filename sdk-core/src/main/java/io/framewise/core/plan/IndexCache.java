package io.framewise.core.plan;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoDecoderProvider;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Video indexes by {@link JobFingerprint#ofIndex index fingerprint} (the decoder, the input's path,
 * size, modification time and sampled content, the chunk size: the same fields a job's fingerprint
 * takes for them), so a service that runs several jobs on one upload indexes it once. Bounded; an
 * index is a few numbers per key frame.
 */
public final class IndexCache {

  private static final Cache<JobFingerprint, VideoIndex> CACHE = Caffeine.newBuilder()
      .maximumSize(Long.getLong("framewise.cache.indexes", 64))
      .expireAfterAccess(Duration.ofHours(1))
      .build();

  private IndexCache() {}

  public static VideoIndex get(VideoDecoderProvider provider, Path video, PipelineOptions options) throws IOException {
    JobFingerprint key;
    try {
      key = JobFingerprint.ofIndex(provider, video, options);
    } catch (IOException e) {
      return provider.index(video, options); // let the provider report the missing or unreadable file
    }
    try {
      return Objects.requireNonNull(CACHE.get(key, k -> {
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

  static void clear() {
    CACHE.invalidateAll();
  }
}
