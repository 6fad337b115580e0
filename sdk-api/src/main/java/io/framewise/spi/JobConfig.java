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
 * @param video the video file
 * @param model the model and its overrides
 * @param params detection thresholds
 * @param decoder the chosen decoder provider
 * @param modelAdapter the chosen model adapter provider
 * @param progress receives progress, or null
 * @param options chunking, parallelism, batching, sampling, budget and checkpointing
 * @since 0.1
 */
public record JobConfig(
    Path video,
    ModelSpec model,
    DetectionParams params,
    VideoDecoderProvider decoder,
    ModelAdapterProvider modelAdapter,
    @Nullable ProgressListener progress,
    PipelineOptions options) {

  /** Validates the fields. */
  public JobConfig {
    Objects.requireNonNull(video, "video");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(decoder, "decoder");
    Objects.requireNonNull(modelAdapter, "modelAdapter");
    Objects.requireNonNull(options, "options");
  }
}
