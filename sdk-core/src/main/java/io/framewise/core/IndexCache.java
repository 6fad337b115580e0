package io.framewise.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.VideoDecoderProvider;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Video indexes by file identity (path, size, modification time) and chunk settings, so a service that
 * runs several jobs on one upload indexes it once. Bounded; an index is a few numbers per key frame.
 */
final class IndexCache {

  private static final Cache<Key, VideoIndex> CACHE = Caffeine.newBuilder()
      .maximumSize(Long.getLong("framewise.cache.indexes", 64))
      .expireAfterAccess(Duration.ofHours(1))
      .build();

  private IndexCache() {}

  record Key(String provider, Path path, long size, long modified, long chunkBytes, long chunkNanos) {}

  static VideoIndex get(VideoDecoderProvider provider, Path video, PipelineOptions options) throws IOException {
    Path abs = video.toAbsolutePath().normalize();
    Key key;
    try {
      key = new Key(provider.name(), abs, Files.size(abs), Files.getLastModifiedTime(abs).toMillis(), options.chunkBytes(),
          options.chunkDuration() == null ? 0 : options.chunkDuration().toNanos());
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
