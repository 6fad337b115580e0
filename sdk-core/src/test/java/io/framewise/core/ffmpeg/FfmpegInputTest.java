package io.framewise.core.ffmpeg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.ffmpeg.global.avformat.av_demuxer_iterate;

import io.framewise.spi.RemoteVideo;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.junit.jupiter.api.Test;

/** The demuxer allow-list and URL building of {@link FfmpegInput}, against the linked FFmpeg. */
class FfmpegInputTest {

  /** Every allowed name is a demuxer of the linked FFmpeg (a typo would silently allow nothing), and no demuxer that opens what it names is allowed. */
  @Test
  void allowList_namesRealDemuxers_andNoOpener() {
    List<String> linked = new ArrayList<>();
    try (PointerPointer<Pointer> it = new PointerPointer<>(1)) {
      it.put(0, (Pointer) null);
      AVInputFormat f;
      while ((f = av_demuxer_iterate(it)) != null && !f.isNull()) {
        linked.addAll(List.of(f.name().getString().split(",")));
      }
    }
    assertThat(linked).hasSizeGreaterThan(100).contains("hls", "concat", "image2", "dash");
    assertThat(linked).containsAll(FfmpegInput.DEMUXERS);
    for (String opener : List.of("hls", "dash", "concat", "imf", "image2", "vobsub", "sdp", "rtsp", "rtp", "sap", "image2pipe")) {
      assertThat(FfmpegInput.allowed(opener)).as(opener).isFalse();
    }
    assertThat(FfmpegInput.allowed("mov,mp4,m4a,3gp,3g2,mj2")).isTrue();
    assertThat(FfmpegInput.allowed("matroska,webm")).isTrue();
  }

  @Test
  void local_isFilePlusAbsolutePath_whateverTheName() {
    for (String name : List.of("http:/127.0.0.1:1/src.mp4", "pipe:0", "concat:/etc/passwd", "clip:01.mp4", "file:x.mp4")) {
      FfmpegInput in = FfmpegInput.local(Path.of(name));
      assertThat(in.url()).isEqualTo("file:" + Path.of(name).toAbsolutePath()).startsWith("file:/");
      assertThat(in.display()).isEqualTo(name);
    }
  }

  @Test
  void remote_isShownWithoutCredentials() {
    RemoteVideo v = new RemoteVideo(URI.create("https://key:secret@cdn.example.com:8443/a/b/clip.mp4?X-Amz-Signature=abc#t=1"),
        Set.of("https"));
    FfmpegInput in = FfmpegInput.remote(v);
    assertThat(in.url()).isEqualTo(v.uri().toASCIIString());
    assertThat(in.display()).isEqualTo("https://…@cdn.example.com:8443/a/b/clip.mp4?…").doesNotContain("secret").doesNotContain("abc");
    assertThat(in.fileName()).isEqualTo("clip.mp4");
    assertThat(in.path()).isNull();
  }
}
