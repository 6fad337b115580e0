package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.CorruptMediaException;
import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.VideoDetector;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, section 4: counts come from what was read, not from what the header claims. Header figures
 * (frame counts, durations) drive a truncation check that says so (FW-106) but never add failed frames,
 * never size a budget, and never show up as a number of failed frames.
 */
class HostileCountsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FRAMES = 30;

  @TempDir static Path dir;
  static Path model;
  static SyntheticVideo clip;

  @BeforeAll
  static void setUp() {
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(64, 64).cell(16).build().write(dir.resolve("tiny.onnx"));
    clip = SyntheticVideo.builder().size(128, 96).objectSize(32).frames(FRAMES).frameRate(10).gopSize(10).build();
  }

  private static byte[] json(Path video, UnaryOperator<DetectionJob> options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    options.apply(VideoDetector.open(video).model(model).confidence(0.5)).writeJson(out);
    return out.toByteArray();
  }

  @Test
  void mkvWhoseTimestampsStartAt1000s_isCompleteWithNoFailedFrame() throws Exception {
    Path mkv = dir.resolve("late.mkv");
    try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(mkv.toFile(), clip.width(), clip.height(), 0);
        Frame frame = new Frame(clip.width(), clip.height(), Frame.DEPTH_UBYTE, 3)) {
      rec.setFormat("matroska");
      rec.setVideoCodecName("mpeg4");
      rec.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P);
      rec.setFrameRate(10);
      rec.setGopSize(10);
      rec.setVideoQuality(1);
      rec.start();
      for (int f = 0; f < FRAMES; f++) {
        clip.render(f, (ByteBuffer) frame.image[0], frame.imageStride);
        rec.setFrameNumber(10_000 + f); // 1000 s + f / 10
        rec.record(frame, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24);
      }
      rec.stop();
    }
    byte[] plain = json(mkv, j -> j);
    JsonNode doc = JSON.readTree(plain);
    assertThat(doc.at("/summary/framesDecoded").asLong()).isEqualTo(FRAMES);
    assertThat(doc.at("/summary/framesFailed").asLong()).isZero();
    assertThat(doc.at("/summary/complete").asBoolean()).as("%s", doc.at("/summary")).isTrue();
    assertThat(doc.at("/frames/0/ptsMs").asDouble()).isZero(); // measured from the first frame
    assertThat(doc.at("/frames/29/frameId").asLong()).isEqualTo(29);
    assertThat(json(mkv, j -> j.chunkSize(Duration.ofSeconds(1)).parallelism(2))).isEqualTo(plain);
  }

  @Test
  void mkvWithDurationPatchedTo1e15_reportsATruncationCheckNotFailedFrames() throws Exception {
    byte[] bytes = Files.readAllBytes(clip.write(dir.resolve("dur.mkv")));
    int at = find(bytes, new byte[] {0x44, (byte) 0x89}, 0); // Matroska Duration element
    assertThat(at).as("Duration element").isPositive();
    int size = bytes[at + 2] & 0xff;
    if (size == 0x88) {
      ByteBuffer.wrap(bytes, at + 3, 8).putDouble(1e15);
    } else {
      assertThat(size).isEqualTo(0x84);
      ByteBuffer.wrap(bytes, at + 3, 4).putFloat(1e15f);
    }
    Path patched = Files.write(dir.resolve("dur-1e15.mkv"), bytes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = VideoDetector.open(patched).model(model).confidence(0.5).writeJson(out);
    assertThat(summary.framesFailed()).isZero();
    assertThat(summary.framesDecoded()).isEqualTo(FRAMES);
    assertThat(summary.framesProcessed()).isEqualTo(FRAMES);
    assertThat(summary.complete()).isFalse(); // nothing presented as complete: the header disagrees with the stream
    assertThat(summary.errors()).singleElement().satisfies(e -> {
      assertThat(e.code()).isEqualTo("FW-106");
      assertThat(e.message()).contains("declares a duration").contains("a check against the header")
          .contains("no frame is counted as failed");
    });
    JsonNode doc = JSON.readTree(out.toByteArray());
    assertThat(doc.at("/summary/complete").asBoolean()).isFalse();
    assertThat(doc.at("/summary/framesFailed").asLong()).isZero();
    assertThat(json(patched, j -> j.chunkSize(Duration.ofSeconds(1)).parallelism(2))).isEqualTo(out.toByteArray());
  }

  @Test
  void aviHeaderDeclaring2pow31Frames_isDecodedNotRefusedByTheBudget() throws Exception {
    byte[] bytes = Files.readAllBytes(clip.write(dir.resolve("count.avi")));
    int avih = find(bytes, "avih".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
    int strh = find(bytes, "strh".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
    assertThat(avih).isPositive();
    assertThat(strh).isPositive();
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(avih + 8 + 16, 0x8000_0000); // dwTotalFrames
    b.putInt(strh + 8 + 32, 0x8000_0000); // the video stream's dwLength
    Path patched = Files.write(dir.resolve("count-2pow31.avi"), bytes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DetectionSummary summary = VideoDetector.open(patched).model(model).confidence(0.5).writeJson(out);
    assertThat(summary.framesDecoded()).isEqualTo(FRAMES);
    assertThat(summary.framesProcessed()).isEqualTo(FRAMES);
    assertThat(summary.framesFailed()).isZero();
    // what the header claims is at most a truncation check, stated as such
    summary.errors().forEach(e -> {
      assertThat(e.code()).isEqualTo("FW-106");
      assertThat(e.message()).contains("a check against the header");
    });
    assertThat(JSON.readTree(out.toByteArray()).at("/summary/framesFailed").asLong()).isZero();
  }

  @Test
  void mp4WithASampleTableOfZeroSamples_saysTheStreamHasNoFrames() throws Exception {
    byte[] bytes = Files.readAllBytes(clip.write(dir.resolve("empty.mp4")));
    // Every table of the video track says "0 entries": stts, stss, stsc, stco (entry_count after
    // version/flags) and stsz (sample_count after version/flags and sample_size). mdhd keeps its duration.
    for (String box : new String[] {"stts", "stss", "stsc", "stco"}) {
      int at = find(bytes, box.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
      if (at > 0) {
        ByteBuffer.wrap(bytes).putInt(at + 4 + 4, 0);
      }
    }
    int stsz = find(bytes, "stsz".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
    assertThat(stsz).isPositive();
    ByteBuffer.wrap(bytes).putInt(stsz + 4 + 4 + 4, 0);
    Path patched = Files.write(dir.resolve("zero-samples.mp4"), bytes);
    Path out = dir.resolve("zero-samples.json");
    CorruptMediaException e = catchThrowableOfType(() -> VideoDetector.open(patched).model(model).writeJson(out),
        CorruptMediaException.class);
    assertThat(e).isNotNull();
    assertThat(e.code()).as(e.getMessage()).isIn("FW-105", "FW-102");
    assertThat(e.getMessage()).contains("zero-samples.mp4").doesNotContain("failed").doesNotContain("15360");
    if (e.code().equals("FW-105")) {
      assertThat(e.getMessage()).contains("has no frames");
    }
    assertThat(out).doesNotExist();
  }

  private static int find(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= hay.length; i++) {
      for (int k = 0; k < needle.length; k++) {
        if (hay[i + k] != needle[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
