package io.framewise.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.DetectionJob;
import io.framewise.VideoDetector;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/README.md says a job's options "may be set once": the provider setters and keyframesOnly() too. */
class DetectionJobSetOnceTest {

  @Test
  void providersAndKeyframesOnly_setTwice_throw() {
    DetectionJob job = VideoDetector.open(Path.of("v.mp4"))
        .decoder(new FfmpegDecoderProvider())
        .modelAdapter(new ColourBlobDetector())
        .resultWriter(new JsonResultWriterProvider())
        .keyframesOnly();
    assertThatThrownBy(() -> job.decoder(new FfmpegDecoderProvider()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("decoder was already set");
    assertThatThrownBy(() -> job.modelAdapter(new ColourBlobDetector()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("modelAdapter was already set");
    assertThatThrownBy(() -> job.resultWriter(new JsonResultWriterProvider()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("resultWriter was already set");
    assertThatThrownBy(job::keyframesOnly)
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("keyframesOnly was already set");
  }
}
