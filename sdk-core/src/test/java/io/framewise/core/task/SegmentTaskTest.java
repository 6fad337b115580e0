package io.framewise.core.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.RefusedInputException;
import io.framewise.ResizeMode;
import io.framewise.core.ColourBlobDetector;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.JobConfig;
import io.framewise.spi.PipelineOptions;
import io.framewise.testkit.SyntheticVideo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A segment task's bytes: round trips exactly, and anything else is refused with FW-820 before anything is opened. */
class SegmentTaskTest {

  @TempDir static Path dir;
  static JobPlan plan;
  static String good;

  @BeforeAll
  static void plan() throws IOException {
    Path video = SyntheticVideo.builder().size(128, 96).objectSize(32).frames(30).frameRate(10).gopSize(10).build()
        .write(dir.resolve("clip.mp4"));
    Path model = Files.writeString(dir.resolve("m.model"), "model bytes");
    Path labels = Files.writeString(dir.resolve("labels.txt"), "red\ngreen\nblue\n");
    ModelSpec spec = ModelSpec.builder(model).format(ModelFormat.YOLOX).labelsFile(labels).inputSize(64, 64).name("blobs \"v1\"\n")
        .resize(ResizeMode.FAST).build();
    JobConfig config = new JobConfig(video, spec, new DetectionParams(0.3, 0.6), new FfmpegDecoderProvider(), new ColourBlobDetector(), null,
        new PipelineOptions(0, Duration.ofSeconds(1), null, 2, 4, 2, false, null));
    plan = JobPlanner.plan(config);
    good = new String(plan.task(1).encode(), StandardCharsets.UTF_8);
  }

  @Test
  void everyTaskOfAJob_andItsTail_roundTripExactly() {
    assertThat(plan.segmentCount()).isEqualTo(3);
    List<SegmentTask> all = new ArrayList<>();
    plan.tasks().forEach(all::add);
    all.add(plan.tail(10));
    for (SegmentTask t : all) {
      SegmentTask back = SegmentTask.decode(t.encode());
      assertThat(back).isEqualTo(t);
      assertThat(back.job().canonicalForm()).isEqualTo(t.job().canonicalForm());
      assertThat(back.key()).isEqualTo(t.key());
      assertThat(back.encode()).isEqualTo(t.encode());
    }
    SegmentTask tail = SegmentTask.decode(plan.tail(10).encode());
    assertThat(tail.kind()).isEqualTo(SegmentTask.Kind.TAIL);
    assertThat(tail.segment()).isEqualTo(3);
    assertThat(tail.range()).isNull();
    SegmentTask one = SegmentTask.decode(plan.task(1).encode());
    assertThat(one.range()).isEqualTo(plan.index().segments().get(1));
    assertThat(one.model().path()).isAbsolute();
    assertThat(one.model().name()).isEqualTo("blobs \"v1\"\n");
    assertThat(one.batch()).isEqualTo(plan.batch());
    assertThat(one.chunkDuration()).isEqualTo(Duration.ofSeconds(1));
    assertThat(one.frameStride()).isEqualTo(2);
    assertThat(one.modelSha256()).isEqualTo(plan.fingerprint().fields().get("model.sha256"));
  }

  private static void refused(String json, String why) {
    assertThatThrownBy(() -> SegmentTask.decode(json.getBytes(StandardCharsets.UTF_8)))
        .as(why)
        .isInstanceOfSatisfying(RefusedInputException.class, e -> {
          assertThat(e.code()).isEqualTo("FW-820");
          assertThat(e.path()).isNull();
        })
        .hasMessageStartingWith("segment task refused: ")
        .hasMessageContaining(why);
  }

  private static String replace(String field, String value) {
    String out = good.replaceFirst("\"" + field + "\":(\"(\\\\.|[^\"\\\\])*\"|[^,}]*)", "\"" + field + "\":" + java.util.regex.Matcher.quoteReplacement(value));
    assertThat(out).as("field %s replaced", field).isNotEqualTo(good);
    return out;
  }

  @Test
  void hostileBytes_areRefusedWithFw820_sayingWhatIsWrong() {
    refused("", "the document is not an object");
    refused("[1]", "the document is not an object");
    refused("{\"v\":1", "not well-formed JSON");
    refused(good + " {}", "bytes follow the document");
    refused(good.replace("{\"v\":1", "{\"v\":2"), "version 2, this worker reads version 1");
    refused(good.replace("{\"v\":1,", "{\"v\":1,\"extra\":{\"a\":[1,2]},"), "unknown field \"extra\"");
    refused(replace("kind", "\"whole\""), "unknown kind \"whole\"");
    refused(replace("input", "\"../../etc/passwd\""), "is not an absolute, normalised path");
    refused(replace("input", "\"/tmp/../etc/passwd\""), "is not an absolute, normalised path");
    refused(replace("input", "\"file:///etc/passwd\""), "is not an absolute, normalised path");
    refused(replace("input", "\"ftp://host/x.mp4\""), "is not an absolute, normalised path");
    refused(replace("input", "\"https://user:pw@host/x.mp4\""), "http(s) with a host and no user information");
    refused(replace("input", "\"/etc/passwd\""), "its input.path (/etc/passwd) is not its fingerprint's");
    refused(replace("input", "\"/a\\u0000b\""), "holds a NUL character");
    refused(replace("sha256", "\"" + "0".repeat(64) + "\""), "its model.sha256 (0000");
    refused(replace("sha256", "\"xyz\""), "model.sha256 is not 64 lower-case hex digits");
    refused(replace("confidence", "0.9"), "its confidence (0.9) is not its fingerprint's");
    refused(replace("confidence", "7"), "its thresholds are not valid");
    refused(replace("confidence", "1e999"), "confidence is not finite");
    refused(replace("frameStride", "1"), "its frameStride (1) is not its fingerprint's");
    refused(replace("batch", "-1"), "out of range");
    refused(replace("segment", "99999999999999999999999"), "segment is not an integer in range");
    refused(replace("segment", "5"), "segment 5 of 3 does not match its range");
    refused(replace("firstFrameId", "\"10\""), "firstFrameId is not an integer");
    refused(replace("job", "\"framewise-fingerprint 1 job\\nx=1\\n\""), "its model.path");
    refused(replace("job", "\"not a fingerprint\""), "its job fingerprint is not valid");
    refused(replace("job", "\"" + "x".repeat(70_000) + "\""), "job is longer than 65536 characters");
    refused(replace("gopFrames", "[10,-1]"), "a group of pictures has -1 frames");
    refused(replace("gopFrames", "[9]"), "its groups of pictures hold 9 frames, the segment 10");
    refused(good.replaceFirst("\"range\":\\{[^}]*\\}", "\"range\":{}"), "without a complete range");
    refused(good.replace("\"labelsFile\":\"", "\"labelsFile\":\"rel/"), "model.labelsFile");
    refused(good.replace("\"resize\":\"fast\"", "\"resize\":\"huge\""), "its model is not valid");
  }

  @Test
  void oversizedInput_isRefusedBeforeItIsParsed() {
    byte[] big = new byte[SegmentTask.MAX_BYTES + 1];
    assertThatThrownBy(() -> SegmentTask.decode(big)).isInstanceOfSatisfying(RefusedInputException.class,
        e -> assertThat(e.code()).isEqualTo("FW-820")).hasMessageContaining("more than the " + SegmentTask.MAX_BYTES);
    StringBuilder gops = new StringBuilder("[1");
    for (int i = 0; i < SegmentTask.MAX_GOPS; i++) {
      gops.append(",1");
    }
    refused(replace("gopFrames", gops.append(']').toString()), "more than " + SegmentTask.MAX_GOPS + " groups of pictures");
  }

  @Test
  void randomlyMutatedTasks_decodeToAValidTaskOrAreRefused_neverAnythingElse() {
    byte[] base = good.getBytes(StandardCharsets.UTF_8);
    Random random = new Random(0x5e9);
    int refusedCount = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] b = base.clone();
      int edits = 1 + random.nextInt(4);
      for (int k = 0; k < edits && b.length > 0; k++) {
        int at = random.nextInt(b.length);
        switch (random.nextInt(3)) {
          case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
          case 1 -> b[at] = (byte) "0123456789\"{}[],:-.e\\ ".charAt(random.nextInt(22));
          default -> b = java.util.Arrays.copyOf(b, at);
        }
      }
      try {
        SegmentTask t = SegmentTask.decode(b);
        assertThat(SegmentTask.decode(t.encode())).isEqualTo(t); // what is accepted is a whole, consistent task
      } catch (RefusedInputException e) {
        assertThat(e.code()).isEqualTo("FW-820");
        refusedCount++;
      }
    }
    assertThat(refusedCount).isGreaterThan(2500);
  }
}
