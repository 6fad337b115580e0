package io.framewise.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.CorruptMediaException;
import io.framewise.DetectionSummary;
import io.framewise.MediaException;
import io.framewise.UnsupportedMediaException;
import io.framewise.VideoDetector;
import io.framewise.VideoDetectorException;
import io.framewise.testkit.ConnectionWatch;
import io.framewise.testkit.HostileMedia;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 8 §10: the hostile-input table ({@link HostileMedia#cases()}) through the SDK. For each input:
 * the exception type and {@code FW-xxx} code (or a complete run with exact ids, or a run that says it
 * is incomplete); a message that names the file and says what is wrong; no complete-looking output
 * ({@code writeJson(Path)} leaves no file and no {@code .part}, a stream gets no summary); a bounded
 * time (a FIFO must not block); and no connection to a watched listener on 127.0.0.1.
 */
class HostileFilesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LIMIT = Duration.ofSeconds(30);

  @TempDir static Path root;
  static Path model;
  static ConnectionWatch watch;

  @BeforeAll
  static void setUp() {
    watch = ConnectionWatch.start();
    model = SyntheticDetector.builder(SyntheticFamily.YOLOV8).inputSize(160, 96).cell(32).build().write(root.resolve("model.onnx"));
  }

  @AfterAll
  static void tearDown() {
    watch.close();
  }

  static Stream<HostileMedia.Case> cases() {
    return HostileMedia.cases().stream();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("cases")
  void hostileInput(HostileMedia.Case c) throws Exception {
    Path dir = Files.createDirectory(root.resolve(c.name()));
    Path video = c.maker().make(dir, watch.port());
    Path outDir = Files.createDirectory(root.resolve(c.name() + "-out"));
    Path out = outDir.resolve("result.json");

    Throwable toFile = assertTimeoutPreemptively(LIMIT, () -> catchThrowable(() -> VideoDetector.open(video).model(model).writeJson(out)));
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    Object[] summary = new Object[1];
    Throwable toStream = assertTimeoutPreemptively(LIMIT,
        () -> catchThrowable(() -> summary[0] = VideoDetector.open(video).model(model).writeJson(stream)));
    String text = stream.toString(StandardCharsets.UTF_8);

    switch (c.outcome()) {
      case CORRUPT, UNSUPPORTED, REFUSED -> {
        Class<?> type = switch (c.outcome()) {
          case CORRUPT -> CorruptMediaException.class;
          case UNSUPPORTED -> UnsupportedMediaException.class;
          default -> MediaException.class;
        };
        for (Throwable t : new Throwable[] {toFile, toStream}) {
          assertThat(t).as(c.name()).isInstanceOf(type);
          VideoDetectorException e = (VideoDetectorException) t;
          assertThat(e.code()).isIn((Object[]) c.code().split("\\|"));
          assertThat(e.getMessage()).contains(video.getFileName().toString()).endsWith("(" + e.code() + ")")
              .containsAnyOf(c.problem().split("\\|"));
          assertThat(e.path()).isEqualTo(video);
        }
        assertThat(out).doesNotExist();
        assertThat(text).doesNotContain("\"summary\"");
      }
      case DECODES -> {
        assertThat(toFile).as(c.name()).isNull();
        assertThat(toStream).isNull();
        assertThat(((DetectionSummary) summary[0]).complete()).isTrue();
        JsonNode doc = JSON.readTree(out.toFile());
        assertThat(doc.at("/summary/complete").asBoolean()).isTrue();
        List<Integer> ids = new ArrayList<>();
        doc.get("frames").forEach(f -> ids.add(f.get("frameId").asInt()));
        assertThat(ids).isEqualTo(Stream.iterate(0, i -> i + 1).limit(c.frames()).toList());
        assertThat(text.getBytes(StandardCharsets.UTF_8)).isEqualTo(Files.readAllBytes(out));
      }
      case INCOMPLETE -> {
        assertThat(toFile).as(c.name()).isNull();
        assertThat(toStream).isNull();
        DetectionSummary s = (DetectionSummary) summary[0];
        assertThat(s.complete()).isFalse();
        assertThat(s.framesProcessed()).isLessThan(HostileMedia.LONG.frames());
        assertThat(s.errors()).isNotEmpty().allSatisfy(err -> assertThat(err.code()).startsWith("FW-1"));
        assertThat(JSON.readTree(out.toFile()).at("/summary/complete").asBoolean()).isFalse();
        assertThat(JSON.readTree(text).at("/summary/complete").asBoolean()).isFalse();
      }
      default -> throw new AssertionError(c.outcome());
    }
    try (Stream<Path> left = Files.list(outDir)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
    assertThat(watch.accepts()).as("connections to 127.0.0.1:%d", watch.port()).isZero();
  }

  /** Issue 8 §1: a playlist in a local file reads another local file. Refused since the input-safety fix (FW-110). */
  @Test
  void hlsPlaylistNamingALocalFile_readsNothingElse() throws IOException {
    Path dir = Files.createDirectory(root.resolve("hls-local"));
    HostileMedia.BASE.write(dir.resolve("secret.mp4"));
    Path playlist = Files.writeString(dir.resolve("local.m3u8"), "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nsecret.mp4\n#EXT-X-ENDLIST\n");
    readsNothingElse(playlist);
  }

  /** Issue 8 §1: a concat script in a local file reads another local file. Refused since the input-safety fix (FW-110). */
  @Test
  void concatScriptNamingALocalFile_readsNothingElse() throws IOException {
    Path dir = Files.createDirectory(root.resolve("concat-local"));
    HostileMedia.BASE.write(dir.resolve("secret.mp4"));
    readsNothingElse(Files.writeString(dir.resolve("list.ffconcat"), "ffconcat version 1.0\nfile 'secret.mp4'\n"));
  }

  /** Issue 8 §1: a file name with {@code %03d} is read as an image-sequence pattern. */
  @Test
  void imageSequencePatternInAName_readsThatFileOnly() throws IOException {
    Path dir = Files.createDirectory(root.resolve("pattern"));
    HostileMedia.image(dir.resolve("seq001.png"), "png");
    HostileMedia.image(dir.resolve("seq002.png"), "png");
    Path named = HostileMedia.image(dir.resolve("seq%03d.png"), "png");
    Object[] summary = new Object[1];
    Throwable t = catchThrowable(() -> summary[0] = VideoDetector.open(named).model(model).run(f -> {}));
    if (t == null) {
      assertThat(((DetectionSummary) summary[0]).framesProcessed()).as("the one image of that name").isEqualTo(1);
    } else {
      assertThat(t).isInstanceOf(MediaException.class).hasMessageContaining(named.getFileName().toString());
    }
  }

  private static void readsNothingElse(Path input) {
    Throwable t = catchThrowable(() -> VideoDetector.open(input).model(model).run(f -> {}));
    assertThat(t).isInstanceOf(MediaException.class);
    assertThat(t.getMessage()).contains(input.getFileName().toString());
    assertThat(watch.accepts()).isZero();
  }
}
