package io.framewise.spi;

import io.framewise.ModelSpec;
import io.framewise.ProgressListener;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable snapshot of a job's configuration, with its providers already chosen, handed to the
 * {@link DetectionEngine}.
 *
 * @param video the video file; for a remote input, its file name (see {@link RemoteVideo#fileName()}),
 *     used in messages only
 * @param model the model and its overrides
 * @param params detection thresholds
 * @param decoder the chosen decoder provider
 * @param modelAdapter the chosen model adapter provider
 * @param progress receives progress, or null
 * @param options chunking, parallelism, batching, sampling, budget and checkpointing
 * @param remote the remote video to read instead of {@code video}, or null for a local file
 * @param context the detector's threads, timer, settings and resources (the engine starts every
 *     thread through it and hands it to the providers); {@link DetectorContext#shared()} when the job
 *     was configured without one
 * @since 0.1
 */
public record JobConfig(
    Path video,
    ModelSpec model,
    DetectionParams params,
    VideoDecoderProvider decoder,
    ModelAdapterProvider modelAdapter,
    @Nullable ProgressListener progress,
    PipelineOptions options,
    @Nullable RemoteVideo remote,
    DetectorContext context) {

  /** Validates the fields. */
  public JobConfig {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(video, "video");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(decoder, "decoder");
    Objects.requireNonNull(modelAdapter, "modelAdapter");
    Objects.requireNonNull(options, "options");
  }

  /**
   * A job on a local file.
   *
   * @param video the video file
   * @param model the model and its overrides
   * @param params detection thresholds
   * @param decoder the chosen decoder provider
   * @param modelAdapter the chosen model adapter provider
   * @param progress receives progress, or null
   * @param options chunking, parallelism, batching, sampling, budget and checkpointing
   */
  public JobConfig(Path video, ModelSpec model, DetectionParams params, VideoDecoderProvider decoder,
      ModelAdapterProvider modelAdapter, @Nullable ProgressListener progress, PipelineOptions options) {
    this(video, model, params, decoder, modelAdapter, progress, options, null, DetectorContext.shared());
  }

  /**
   * A job with the {@linkplain DetectorContext#shared() shared} context.
   *
   * @param video the video file; for a remote input, its file name
   * @param model the model and its overrides
   * @param params detection thresholds
   * @param decoder the chosen decoder provider
   * @param modelAdapter the chosen model adapter provider
   * @param progress receives progress, or null
   * @param options chunking, parallelism, batching, sampling, budget and checkpointing
   * @param remote the remote video to read instead of {@code video}, or null for a local file
   */
  public JobConfig(Path video, ModelSpec model, DetectionParams params, VideoDecoderProvider decoder,
      ModelAdapterProvider modelAdapter, @Nullable ProgressListener progress, PipelineOptions options, @Nullable RemoteVideo remote) {
    this(video, model, params, decoder, modelAdapter, progress, options, remote, DetectorContext.shared());
  }
}
