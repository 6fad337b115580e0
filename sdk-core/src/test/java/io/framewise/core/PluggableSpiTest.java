package io.framewise.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.NoProviderException;
import io.framewise.Progress;
import io.framewise.VideoDetector;
import io.framewise.testkit.ResultSchema;
import io.framewise.testkit.SyntheticVideo;
import io.framewise.testkit.TruthBox;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine, decoder and writer with a user's own model adapter, given explicitly or discovered
 * through ServiceLoader; plus provider selection by name.
 */
class PluggableSpiTest {

  @TempDir static Path dir;
  static SyntheticVideo video;
  static Path file;

  @BeforeAll
  static void writeVideo() {
    video = SyntheticVideo.builder().frames(21).build();
    file = video.write(dir.resolve("blobs.mp4"));
  }

  @AfterEach
  void clearProperties() {
    System.clearProperty("framewise.decoder");
    System.clearProperty("framewise.model-adapter");
  }

  @Test
  void explicitAdapterOnTheBuilder_findsEveryDrawnObject() throws Exception {
    VideoDetector detector = VideoDetector.builder().modelAdapter(new ColourBlobDetector()).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = detector.newJob(file).model(Path.of("unused.model")).confidence(0.8).writeJson(out);
    assertThat(summary.complete()).isTrue();
    JsonNode doc = new ObjectMapper().readTree(out.toByteArray());
    assertThat(doc.at("/model/name").asText()).isEqualTo("colour-blobs");
    assertThat(doc.get("frames").size()).isEqualTo(21);
    for (JsonNode frame : doc.get("frames")) {
      List<TruthBox> truth = video.truth(frame.get("frameId").asLong());
      assertThat(frame.get("detections").size()).isEqualTo(truth.size());
      for (JsonNode d : frame.get("detections")) {
        assertThat(truth).anySatisfy(t -> {
          assertThat(t.classId()).isEqualTo(d.get("classId").asInt());
          assertThat(t.x1()).isEqualTo(d.at("/box/x1").asDouble());
          assertThat(t.y1()).isEqualTo(d.at("/box/y1").asDouble());
        });
      }
    }
    assertThat(ResultSchema.problems(out.toByteArray())).isEmpty();
  }

  @Test
  void serviceLoader_findsTheRegisteredAdapter_andListenerGetsEveryFrameInOrder() {
    List<FrameDetections> frames = new ArrayList<>();
    List<Progress> progress = new ArrayList<>();
    DetectionSummary summary = VideoDetector.open(file).model(Path.of("unused.model")).confidence(0.8)
        .progress(progress::add).run(frames::add);
    assertThat(summary.framesProcessed()).isEqualTo(21);
    assertThat(frames).extracting(FrameDetections::frameId).containsExactlyElementsOf(
        java.util.stream.LongStream.range(0, 21).boxed().toList());
    assertThat(summary.detections()).isEqualTo(frames.stream().mapToLong(f -> f.detections().size()).sum());
    assertThat(progress).isNotEmpty();
    Progress last = progress.get(progress.size() - 1);
    assertThat(last.framesDone()).isEqualTo(21);
    assertThat(last.framesTotal()).isEqualTo(21);
    assertThat(last.fraction()).isEqualTo(1.0);
  }

  @Test
  void configuredProviderName_thatDoesNotExist_throwsNoProviderListingCandidates() {
    System.setProperty("framewise.decoder", "gstreamer");
    assertThatThrownBy(() -> VideoDetector.open(file).model(Path.of("m")).writeJson(new ByteArrayOutputStream()))
        .isInstanceOf(NoProviderException.class)
        .hasMessageContaining("VideoDecoderProvider")
        .hasMessageContaining("gstreamer")
        .hasMessageContaining("ffmpeg (not the configured 'gstreamer')");
  }

  @Test
  void configuredProviderName_selectsIt() {
    System.setProperty("framewise.model-adapter", "colour-blobs");
    DetectionSummary summary = VideoDetector.open(file).model(Path.of("m")).run(f -> {});
    assertThat(summary.complete()).isTrue();
  }
}
