package io.framewise.spi;

import io.framewise.DataSize;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How a job is split and run: chunking, parallelism, batching, sampling, memory budget and
 * checkpointing. Zero means "derive it" where noted.
 *
 * @param chunkBytes split the video into keyframe-aligned segments of about this many bytes, or 0
 * @param chunkDuration split into segments of about this duration, or null (at most one of the two)
 * @param maxHeap the memory budget of the whole pipeline, or null to derive it from the JVM's maximum heap
 * @param parallelism segments decoded at once, or 0 for one per available core
 * @param batchSize frames per inference call, or 0 to derive it (1 for models with a fixed batch of 1)
 * @param frameStride process every n-th frame (1 = every frame); frame ids stay true
 * @param keyframesOnly decode key frames only (a fast coarse scan); frame ids stay true
 * @param checkpointDir journal completed segments here so a restarted job resumes, or null
 * @since 0.1
 */
public record PipelineOptions(
    long chunkBytes,
    @Nullable Duration chunkDuration,
    @Nullable DataSize maxHeap,
    int parallelism,
    int batchSize,
    int frameStride,
    boolean keyframesOnly,
    @Nullable Path checkpointDir) {

  /** Every frame, one segment, derived parallelism, batch and budget, no checkpoint. */
  public static final PipelineOptions DEFAULTS = new PipelineOptions(0, null, null, 0, 0, 1, false, null);

  /** Validates the fields. */
  public PipelineOptions {
    if (chunkBytes < 0) {
      throw new IllegalArgumentException("chunkBytes must be >= 0");
    }
    if (chunkBytes > 0 && chunkDuration != null) {
      throw new IllegalArgumentException("give a chunk size in bytes or as a duration, not both");
    }
    if (chunkDuration != null && (chunkDuration.isNegative() || chunkDuration.isZero())) {
      throw new IllegalArgumentException("chunkDuration must be positive");
    }
    if (parallelism < 0 || batchSize < 0 || frameStride < 1) {
      throw new IllegalArgumentException("parallelism and batchSize must be >= 0 and frameStride >= 1");
    }
  }

  /**
   * Tells whether the video is split into segments.
   *
   * @return true when a chunk size was given
   */
  public boolean chunked() {
    return chunkBytes > 0 || chunkDuration != null;
  }
}
