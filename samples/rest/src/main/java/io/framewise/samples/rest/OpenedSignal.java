package io.framewise.samples.rest;

import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.ModelInfo;
import io.framewise.VideoInfo;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.ResultWriterProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;

/**
 * The JSON writer, unchanged, that also tells when the job has begun its output: the detector opened the
 * video and the model. {@code POST /jobs} waits for that, so an upload that is not a video is answered
 * with the SDK's own error code instead of a job that fails later.
 */
final class OpenedSignal implements ResultWriterProvider {

  private final ResultWriterProvider delegate;
  private final CountDownLatch opened;

  OpenedSignal(ResultWriterProvider delegate, CountDownLatch opened) {
    this.delegate = delegate;
    this.opened = opened;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public String format() {
    return delegate.format();
  }

  @Override
  public ResultWriter open(OutputStream out) throws IOException {
    ResultWriter w = delegate.open(out);
    return new ResultWriter() {
      @Override
      public void begin(VideoInfo video, ModelInfo model) throws IOException {
        w.begin(video, model);
        opened.countDown();
      }

      @Override
      public void frame(FrameDetections frame) throws IOException {
        w.frame(frame);
      }

      @Override
      public void end(DetectionSummary summary) throws IOException {
        w.end(summary);
      }

      @Override
      public void close() throws IOException {
        w.close();
      }
    };
  }
}
