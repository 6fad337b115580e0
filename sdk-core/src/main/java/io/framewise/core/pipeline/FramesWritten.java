package io.framewise.core.pipeline;

import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.ModelInfo;
import io.framewise.VideoInfo;
import io.framewise.spi.ResultWriter;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A result writer that counts the frames written through it: the frames the model ran on whose
 * detections reached the output, {@link io.framewise.Progress#framesProcessed()}.
 */
public final class FramesWritten implements ResultWriter {

  private final ResultWriter delegate;
  private final AtomicLong frames = new AtomicLong();

  public FramesWritten(ResultWriter delegate) {
    this.delegate = delegate;
  }

  /** The count of a {@code FramesWritten} writer, or -1 ("not counted") for any other. */
  public static LongSupplier of(ResultWriter writer) {
    return writer instanceof FramesWritten w ? w.frames::get : () -> -1;
  }

  @Override
  public void begin(VideoInfo video, ModelInfo model) throws IOException {
    delegate.begin(video, model);
  }

  @Override
  public void frame(FrameDetections frame) throws IOException {
    delegate.frame(frame);
    frames.incrementAndGet();
  }

  @Override
  public void end(DetectionSummary summary) throws IOException {
    delegate.end(summary);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
