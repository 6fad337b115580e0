package io.framewise.core.plan;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.framewise.RefusedInputException;
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

  /**
   * Indexes of remote inputs, by decoder, URI and chunk size, kept only briefly (nothing tells whether
   * the remote content changed): long enough for the job that made one (its check for an empty stream,
   * then its run), not for the next job.
   */
  private static final Cache<List<String>, VideoIndex> REMOTE = Caffeine.newBuilder()
      .maximumSize(16)
      .expireAfterWrite(Duration.ofSeconds(30))
      .build();

  private IndexCache() {}

  /** The index of the job's input, local or remote. */
  public static VideoIndex get(JobConfig config) throws IOException {
    RemoteVideo remote = config.remote();
    if (remote == null) {
      return get(config.decoder(), config.video(), config.options());
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
    REMOTE.invalidateAll();
  }
}
