package io.framewise.distributed.worker;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framewise.RefusedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker may open, from its own configuration. */
class InputPolicyTest {

  @TempDir Path tmp;

  @Test
  void defaultIsLocalFilesAnywhere_nothingRemote() {
    InputPolicy p = InputPolicy.localFiles();
    assertThatCode(() -> p.check("/any/where/video.mp4")).doesNotThrowAnyException();
    assertThatThrownBy(() -> p.check("https://example.com/v.mp4")).isInstanceOf(RefusedInputException.class)
        .hasMessageContaining("https://example.com/v.mp4").hasMessageContaining("scheme 'https' is not allowed")
        .extracting(e -> ((RefusedInputException) e).code()).isEqualTo("FW-823");
    assertThatThrownBy(() -> p.check("relative/video.mp4")).isInstanceOf(RefusedInputException.class).hasMessageContaining("not absolute");
  }

  @Test
  void schemesWiden_localFilesStay() {
    InputPolicy p = InputPolicy.parse("http,https");
    assertThatCode(() -> p.check("https://example.com/v.mp4")).doesNotThrowAnyException();
    assertThatCode(() -> p.check("/data/v.mp4")).doesNotThrowAnyException();
    assertThatThrownBy(() -> p.check("ftp://example.com/v.mp4")).isInstanceOf(RefusedInputException.class);
  }

  @Test
  void rootsNarrowLocalFiles_linksOutsideAreRefused() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("data"));
    Path inside = Files.writeString(root.resolve("v.mp4"), "x");
    Path outside = Files.writeString(tmp.resolve("secret.mp4"), "x");
    Path link = Files.createSymbolicLink(root.resolve("link.mp4"), outside);
    InputPolicy p = InputPolicy.parse("file:" + root);
    assertThatCode(() -> p.check(inside.toString())).doesNotThrowAnyException();
    assertThatThrownBy(() -> p.check(outside.toString())).isInstanceOf(RefusedInputException.class)
        .hasMessageContaining(outside.toString()).hasMessageContaining("outside this worker's roots");
    assertThatThrownBy(() -> p.check(link.toString())).isInstanceOf(RefusedInputException.class)
        .hasMessageContaining("outside this worker's roots");
    assertThatThrownBy(() -> p.checkModel(outside)).isInstanceOf(RefusedInputException.class).hasMessageContaining("model");
    assertThatThrownBy(() -> p.check("https://example.com/v.mp4")).isInstanceOf(RefusedInputException.class);
  }

  @Test
  void badLists() {
    assertThatThrownBy(() -> InputPolicy.parse("ftp")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ftp'");
    assertThatThrownBy(() -> InputPolicy.parse("file:data")).hasMessageContaining("must be absolute");
    assertThatThrownBy(() -> InputPolicy.parse(" , ")).hasMessageContaining("no input kind");
    assertThatThrownBy(() -> InputPolicy.parse("file:" + tmp.resolve("missing"))).hasMessageContaining("not a readable directory");
  }
}
