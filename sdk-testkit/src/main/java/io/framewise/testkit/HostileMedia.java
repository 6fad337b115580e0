package io.framewise.testkit;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_GRAY8;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P10LE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV444P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ444P;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.jspecify.annotations.Nullable;

/**
 * The hostile-input table shared by the SDK and CLI suites: each {@link Case} makes one bad, odd or
 * crafted input in a folder and says what Framewise must do with it. Everything is generated (no
 * binary fixtures): from {@link SyntheticVideo} files, then cut, patched or wrapped.
 *
 * <p>Inputs that point elsewhere (HLS playlists, concat scripts, SDP files) name a listener on
 * {@code 127.0.0.1:port} that the suite watches: no case may connect to it.
 *
 * <p>The expectations are today's documented behaviour; cases that issue 8 lists as bugs are not in
 * the table (the suites that fix them carry their own tests).
 */
public final class HostileMedia {

  /** Frames of the base video every derived case starts from. */
  public static final int FRAMES = 12;

  /** The base video: 160x96, {@link #FRAMES} frames at 10 fps, mpeg4, 32-pixel squares. */
  public static final SyntheticVideo BASE = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(FRAMES).gopSize(4).build();

  /** The base of the truncation cases: {@link #BASE} with 60 frames, so that cuts land in frame data. */
  public static final SyntheticVideo LONG = SyntheticVideo.builder().size(160, 96).objectSize(32).frames(60).gopSize(4).build();

  private HostileMedia() {}

  /** What Framewise must do with an input. */
  public enum Outcome {
    /** A {@code CorruptMediaException} with the case's code; CLI exit 3. */
    CORRUPT,
    /** An {@code UnsupportedMediaException} with the case's code; CLI exit 3. */
    UNSUPPORTED,
    /**
     * A file that names other files or addresses: any {@code MediaException} with one of the case's
     * codes (FW-102 "not a readable media file" before issue 8 §1's input-safety change, FW-110 after);
     * nothing named inside it is opened; CLI exit 3.
     */
    REFUSED,
    /** The job finishes complete with exactly {@link Case#frames()} frames, ids 0..n-1; CLI exit 0. */
    DECODES,
    /** The job finishes but says it is incomplete ({@code summary.complete: false}); CLI exit 3. */
    INCOMPLETE
  }

  /** Writes one input into a folder. */
  @FunctionalInterface
  public interface Maker {
    /**
     * Makes the input.
     *
     * @param dir an empty folder for this case
     * @param port a watched listener on 127.0.0.1 that the input may name
     * @return the path to give Framewise as the video
     * @throws Exception when the input cannot be made (a test failure, not a case outcome)
     */
    Path make(Path dir, int port) throws Exception;
  }

  /**
   * One hostile input.
   *
   * @param name short unique id (also the test's display name)
   * @param outcome what Framewise must do
   * @param code the {@code FW-xxx} code for a failure (alternatives separated by {@code |}), else null
   * @param problem a fragment the error message must contain (says what is wrong), alternatives separated
   *     by {@code |}; else null
   * @param frames the frame count for {@link Outcome#DECODES}, else 0
   * @param maker makes the input
   */
  public record Case(String name, Outcome outcome, @Nullable String code, @Nullable String problem, int frames, Maker maker) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case fails(String name, Outcome outcome, String code, String problem, Maker maker) {
    return new Case(name, outcome, code, problem, 0, maker);
  }

  private static Case decodes(String name, int frames, Maker maker) {
    return new Case(name, Outcome.DECODES, null, null, frames, maker);
  }

  private static Case incomplete(String name, Maker maker) {
    return new Case(name, Outcome.INCOMPLETE, null, null, 0, maker);
  }

  /**
   * Returns the table: every input class that Framewise handles correctly today.
   *
   * @return the cases, in a stable order
   */
  public static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    String notMedia = "not a readable media file";
    // --- not media at all
    c.add(fails("empty", Outcome.CORRUPT, "FW-101", "empty", (d, p) -> Files.createFile(d.resolve("empty.mp4"))));
    c.add(fails("random-bytes", Outcome.CORRUPT, "FW-102", notMedia, (d, p) -> Files.write(d.resolve("noise.mp4"), noise(256 * 1024, 42))));
    c.add(fails("random-after-ftyp", Outcome.CORRUPT, "FW-102", notMedia, (d, p) -> {
      byte[] b = noise(64 * 1024, 43);
      byte[] ftyp = {0, 0, 0, 0x14, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'm', 'p', '4', '1'};
      System.arraycopy(ftyp, 0, b, 0, ftyp.length);
      return Files.write(d.resolve("ftyp-noise.mp4"), b);
    }));
    c.add(fails("text-named-mp4", Outcome.CORRUPT, "FW-102", notMedia,
        (d, p) -> Files.writeString(d.resolve("notes.mp4"), "this is not a video\n".repeat(100))));
    c.add(fails("text-named-txt", Outcome.CORRUPT, "FW-102", notMedia,
        (d, p) -> Files.writeString(d.resolve("notes.txt"), "# README\nJust text.\n")));
    // --- truncated: an MP4 whose index (moov) is at the end loses it; faststart MP4, MKV and AVI keep theirs
    for (int pct : new int[] {1, 10, 50, 90}) {
      c.add(fails("truncated-mp4-" + pct + "pct", Outcome.CORRUPT, "FW-102", notMedia + "|video stream has no frame size",
          (d, p) -> cut(LONG.write(d.resolve("whole.mp4")), d.resolve("cut" + pct + ".mp4"), pct)));
    }
    for (int pct : new int[] {40, 70, 90}) {
      c.add(incomplete("truncated-faststart-mp4-" + pct + "pct",
          (d, p) -> cut(write(LONG, d.resolve("whole.mp4"), "mpeg4", AV_PIX_FMT_YUV420P, "faststart"),
              d.resolve("fast-cut" + pct + ".mp4"), pct)));
    }
    for (int pct : new int[] {40, 70, 90}) {
      c.add(incomplete("truncated-mkv-" + pct + "pct", (d, p) -> cut(LONG.write(d.resolve("whole.mkv")), d.resolve("cut" + pct + ".mkv"), pct)));
    }
    // an AVI cut before its first key frame's data is unreadable; later cuts lose frames and say so
    c.add(fails("truncated-avi-40pct", Outcome.CORRUPT, "FW-102", notMedia,
        (d, p) -> cut(LONG.write(d.resolve("whole.avi")), d.resolve("cut40.avi"), 40)));
    for (int pct : new int[] {70, 90}) {
      c.add(incomplete("truncated-avi-" + pct + "pct", (d, p) -> cut(LONG.write(d.resolve("whole.avi")), d.resolve("cut" + pct + ".avi"), pct)));
    }
    c.add(fails("truncated-mkv-header", Outcome.CORRUPT, "FW-102", notMedia,
        (d, p) -> cut(LONG.write(d.resolve("whole.mkv")), d.resolve("head.mkv"), 1)));
    // --- no video
    c.add(fails("audio-only-wav", Outcome.UNSUPPORTED, "FW-103", "no video stream", (d, p) -> SyntheticVideo.writeNoVideo(d.resolve("tone.wav"))));
    c.add(fails("audio-only-m4a", Outcome.UNSUPPORTED, "FW-103", "no video stream", (d, p) -> SyntheticVideo.writeNoVideo(d.resolve("tone.m4a"))));
    c.add(fails("audio-only-named-mp4", Outcome.UNSUPPORTED, "FW-103", "no video stream",
        (d, p) -> SyntheticVideo.writeNoVideo(d.resolve("tone.mp4"))));
    // --- still images: a one-frame video, whatever the name
    c.add(decodes("png-named-mp4", 1, (d, p) -> image(d.resolve("picture.mp4"), "png")));
    c.add(decodes("png", 1, (d, p) -> image(d.resolve("picture.png"), "png")));
    c.add(decodes("jpeg-named-mp4", 1, (d, p) -> image(d.resolve("photo.mp4"), "jpg")));
    c.add(decodes("jpeg", 1, (d, p) -> image(d.resolve("photo.jpg"), "jpg")));
    // --- not a regular file
    c.add(fails("fifo", Outcome.CORRUPT, "FW-100", "not a regular file", (d, p) -> fifo(d.resolve("pipe.mp4"))));
    c.add(fails("directory", Outcome.CORRUPT, "FW-100", "not a regular file", (d, p) -> Files.createDirectory(d.resolve("folder.mp4"))));
    c.add(fails("missing", Outcome.CORRUPT, "FW-100", "no such file", (d, p) -> d.resolve("absent.mp4")));
    c.add(fails("dangling-symlink", Outcome.CORRUPT, "FW-100", "no such file",
        (d, p) -> Files.createSymbolicLink(d.resolve("dangling.mp4"), d.resolve("nowhere.mp4"))));
    c.add(fails("dev-zero", Outcome.CORRUPT, "FW-100", "not a regular file", (d, p) -> Path.of("/dev/zero")));
    // --- huge declared sizes: the header lies, the frames are what they are
    c.add(decodes("mp4-sample-entry-65535x65535", FRAMES, (d, p) -> patch(BASE.write(d.resolve("v.mp4")), d.resolve("mp4v-size.mp4"), b -> {
      int at = find(b, "mp4v");
      be16(b, at + 28, 0xFFFF);
      be16(b, at + 30, 0xFFFF);
    })));
    c.add(decodes("mp4-track-header-32767x32767", FRAMES, (d, p) -> patch(BASE.write(d.resolve("v.mp4")), d.resolve("tkhd-size.mp4"), b -> {
      int at = find(b, "tkhd");
      int end = at - 4 + be32(b, at - 4);
      putBe32(b, end - 8, 0x7FFF0000);
      putBe32(b, end - 4, 0x7FFF0000);
    })));
    c.add(decodes("mp4-media-duration-2^31", FRAMES, (d, p) -> patch(BASE.write(d.resolve("v.mp4")), d.resolve("mdhd-duration.mp4"),
        b -> putBe32(b, find(b, "mdhd") + 20, 0x7FFFFFFF))));
    c.add(decodes("mp4-movie-duration-2^31", FRAMES, (d, p) -> patch(BASE.write(d.resolve("v.mp4")), d.resolve("mvhd-duration.mp4"),
        b -> putBe32(b, find(b, "mvhd") + 20, 0x7FFFFFFF))));
    c.add(fails("mp4-sample-count-2^31", Outcome.CORRUPT, "FW-102", notMedia,
        (d, p) -> patch(BASE.write(d.resolve("v.mp4")), d.resolve("stsz-count.mp4"), b -> putBe32(b, find(b, "stsz") + 12, 0x7FFFFFFF))));
    c.add(decodes("avi-main-header-2^31x2^31", FRAMES, (d, p) -> patch(BASE.write(d.resolve("v.avi")), d.resolve("avih-size.avi"), b -> {
      int at = find(b, "avih") + 8;
      putLe32(b, at + 32, 0x7FFFFFFF);
      putLe32(b, at + 36, 0x7FFFFFFF);
    })));
    c.add(decodes("avi-main-header-2^31-frames", FRAMES,
        (d, p) -> patch(BASE.write(d.resolve("v.avi")), d.resolve("avih-frames.avi"), b -> putLe32(b, find(b, "avih") + 8 + 16, 0x80000000))));
    c.add(decodes("avi-bitmap-header-60000x60000", FRAMES, (d, p) -> patch(BASE.write(d.resolve("v.avi")), d.resolve("strf-size.avi"), b -> {
      int at = find(b, "strf") + 8;
      putLe32(b, at + 4, 60000);
      putLe32(b, at + 8, 60000);
    })));
    // --- odd pixel formats and sizes
    c.add(decodes("ffv1-yuv444p", FRAMES, (d, p) -> write(BASE, d.resolve("yuv444p.mkv"), "ffv1", AV_PIX_FMT_YUV444P, null)));
    c.add(decodes("ffv1-gray", FRAMES, (d, p) -> write(BASE, d.resolve("gray.mkv"), "ffv1", AV_PIX_FMT_GRAY8, null)));
    c.add(decodes("ffv1-yuv420p10le", FRAMES,
        (d, p) -> write(BASE, d.resolve("yuv420p10.mkv"), "ffv1", AV_PIX_FMT_YUV420P10LE, null)));
    c.add(decodes("png-codec-rgb24", FRAMES, (d, p) -> write(BASE, d.resolve("rgb24.mkv"), "png", AV_PIX_FMT_RGB24, null)));
    c.add(decodes("mjpeg-yuvj444p", FRAMES, (d, p) -> write(BASE, d.resolve("mjpeg.avi"), "mjpeg", AV_PIX_FMT_YUVJ444P, null)));
    c.add(decodes("ffv1-odd-size-133x67", FRAMES,
        (d, p) -> write(BASE, d.resolve("odd.mkv"), "ffv1", AV_PIX_FMT_YUV444P, null, 133, 67)));
    c.add(decodes("h264-16x16", FRAMES,
        (d, p) -> write(BASE, d.resolve("tiny.mp4"), "libopenh264", AV_PIX_FMT_YUV420P, null, 16, 16)));
    c.add(decodes("ffv1-2x2", FRAMES,
        (d, p) -> write(BASE, d.resolve("two.mkv"), "ffv1", AV_PIX_FMT_YUV444P, null, 2, 2)));
    // --- files that point elsewhere: nothing may connect, nothing else may be read
    String refused = "FW-102|FW-110";
    String refusal = notMedia + "|named inside it";
    String hls = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n";
    c.add(fails("hls-http-segment", Outcome.REFUSED, refused, refusal,
        (d, p) -> Files.writeString(d.resolve("remote.m3u8"), hls + "http://127.0.0.1:" + p + "/seg.ts\n#EXT-X-ENDLIST\n")));
    c.add(fails("hls-http-mp4-segment", Outcome.REFUSED, refused, refusal,
        (d, p) -> Files.writeString(d.resolve("remote-mp4.m3u8"), hls + "http://127.0.0.1:" + p + "/seg.mp4\n#EXT-X-ENDLIST\n")));
    c.add(fails("hls-tcp-segment", Outcome.REFUSED, refused, refusal,
        (d, p) -> Files.writeString(d.resolve("tcp.m3u8"), hls + "tcp://127.0.0.1:" + p + "\n#EXT-X-ENDLIST\n")));
    c.add(fails("hls-http-key", Outcome.REFUSED, refused, refusal, (d, p) -> {
      BASE.write(d.resolve("seg.mp4"));
      return Files.writeString(d.resolve("key.m3u8"), "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-KEY:METHOD=AES-128,URI=\"http://127.0.0.1:" + p
          + "/key\"\n#EXTINF:10,\nseg.mp4\n#EXT-X-ENDLIST\n");
    }));
    c.add(fails("hls-http-variant", Outcome.REFUSED, refused, refusal,
        (d, p) -> Files.writeString(d.resolve("master.m3u8"), "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://127.0.0.1:" + p + "/v.m3u8\n")));
    c.add(fails("ffconcat-http", Outcome.REFUSED, refused, refusal,
        (d, p) -> Files.writeString(d.resolve("list.ffconcat"), "ffconcat version 1.0\nfile 'http://127.0.0.1:" + p + "/a.mp4'\n")));
    c.add(fails("ffconcat-absolute-path", Outcome.REFUSED, refused, refusal, (d, p) -> {
      Path other = BASE.write(Files.createDirectories(d.resolve("elsewhere")).resolve("other.mp4"));
      return Files.writeString(d.resolve("abs.ffconcat"), "ffconcat version 1.0\nfile '" + other + "'\n");
    }));
    c.add(fails("ffconcat-concat-protocol", Outcome.REFUSED, refused, refusal, (d, p) -> {
      BASE.write(d.resolve("other.mp4"));
      return Files.writeString(d.resolve("proto.ffconcat"), "ffconcat version 1.0\nfile 'concat:other.mp4|other.mp4'\n");
    }));
    c.add(fails("ffconcat-subfile-protocol", Outcome.REFUSED, refused, refusal, (d, p) -> {
      BASE.write(d.resolve("other.mp4"));
      return Files.writeString(d.resolve("sub.ffconcat"), "ffconcat version 1.0\nfile 'subfile,,start,0,end,0,,:other.mp4'\n");
    }));
    c.add(fails("sdp-rtp", Outcome.REFUSED, refused, refusal, (d, p) -> Files.writeString(d.resolve("stream.sdp"),
        "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video " + p + " RTP/AVP 96\na=rtpmap:96 H264/90000\n")));
    return List.copyOf(c);
  }

  // ---------------------------------------------------------------- generators, public for other suites

  /**
   * Returns seeded random bytes.
   *
   * @param size how many
   * @param seed the seed
   * @return the bytes
   */
  public static byte[] noise(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /**
   * Copies the first {@code percent}% of a file.
   *
   * @param whole the source
   * @param cut the destination
   * @param percent 0..100
   * @return {@code cut}
   * @throws IOException if reading or writing fails
   */
  public static Path cut(Path whole, Path cut, int percent) throws IOException {
    byte[] b = Files.readAllBytes(whole);
    return Files.write(cut, Arrays.copyOf(b, (int) ((long) b.length * percent / 100)));
  }

  /**
   * Writes a 60-frame H.264 MP4 (128x96, 10 fps, a key frame every 10 frames) whose media data is
   * damaged in the middle: 40 bytes flipped (seed 7) in the tenth of the file that starts at 45 %. The
   * container still delivers every packet; the decoder meets the damage.
   *
   * @param dir where to write {@code mid.mp4} (the sound original) and {@code mid-broken.mp4}
   * @return the damaged file
   * @throws IOException if writing fails
   */
  public static Path corruptedMidStream(Path dir) throws IOException {
    SyntheticVideo v = SyntheticVideo.builder().size(128, 96).objectSize(32).frames(60).frameRate(10).gopSize(10)
        .codec("libopenh264").build();
    byte[] bytes = Files.readAllBytes(v.write(dir.resolve("mid.mp4")));
    Random random = new Random(7);
    int from = bytes.length * 45 / 100;
    for (int k = 0; k < 40; k++) {
      bytes[from + random.nextInt(bytes.length / 10)] ^= (byte) 0xff;
    }
    return Files.write(dir.resolve("mid-broken.mp4"), bytes);
  }

  /** Changes bytes in place. */
  @FunctionalInterface
  public interface Patch {
    /**
     * Patches the bytes.
     *
     * @param bytes the file's content, changed in place
     */
    void apply(byte[] bytes);
  }

  /**
   * Writes a patched copy of a file.
   *
   * @param source the original
   * @param target the copy
   * @param patch what to change
   * @return {@code target}
   * @throws IOException if reading or writing fails
   */
  public static Path patch(Path source, Path target, Patch patch) throws IOException {
    byte[] b = Files.readAllBytes(source);
    patch.apply(b);
    return Files.write(target, b);
  }

  /**
   * Finds the first occurrence of an ASCII tag (a box or chunk id).
   *
   * @param b bytes
   * @param tag the tag, e.g. "moov"
   * @return its offset
   * @throws IllegalArgumentException if absent
   */
  public static int find(byte[] b, String tag) {
    byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + t.length <= b.length; i++) {
      for (int j = 0; j < t.length; j++) {
        if (b[i + j] != t[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalArgumentException("no '" + tag + "' in " + b.length + " bytes");
  }

  static void be16(byte[] b, int at, int v) {
    b[at] = (byte) (v >> 8);
    b[at + 1] = (byte) v;
  }

  static int be32(byte[] b, int at) {
    return ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).getInt(at);
  }

  static void putBe32(byte[] b, int at, int v) {
    ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).putInt(at, v);
  }

  static void putLe32(byte[] b, int at, int v) {
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
  }

  /**
   * Writes a 64x48 still image (a gradient) in an image format, whatever the file's extension.
   *
   * @param file the output
   * @param format an ImageIO format name ("png", "jpg")
   * @return {@code file}
   * @throws IOException if writing fails
   */
  public static Path image(Path file, String format) throws IOException {
    BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        img.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | 0x40);
      }
    }
    if (!ImageIO.write(img, format, file.toFile())) {
      throw new IOException("no ImageIO writer for " + format);
    }
    return file;
  }

  /**
   * Makes a named pipe with {@code mkfifo}.
   *
   * @param file the pipe's path
   * @return {@code file}
   * @throws IOException if mkfifo fails
   * @throws InterruptedException if interrupted while waiting for it
   */
  public static Path fifo(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("mkfifo", file.toString()).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("mkfifo " + file + " failed");
    }
    return file;
  }

  /**
   * Encodes {@code video}'s frames with any FFmpeg encoder and pixel format (the container follows
   * the extension).
   *
   * @param video what to draw
   * @param file the output
   * @param codec FFmpeg encoder name, e.g. "ffv1", "png", "mjpeg", "mpeg4"
   * @param pixelFormat an {@code AV_PIX_FMT_*} the encoder accepts
   * @param movflags MP4 {@code movflags} (e.g. "faststart"), or null
   * @return {@code file}
   */
  public static Path write(SyntheticVideo video, Path file, String codec, int pixelFormat, @Nullable String movflags) {
    return write(video, file, codec, pixelFormat, movflags, video.width(), video.height());
  }

  /**
   * Like {@link #write(SyntheticVideo, Path, String, int, String)}, scaling the frames to another
   * size (any size the encoder accepts: odd, tiny).
   *
   * @param video what to draw
   * @param file the output
   * @param codec FFmpeg encoder name
   * @param pixelFormat an {@code AV_PIX_FMT_*} the encoder accepts
   * @param movflags MP4 {@code movflags}, or null
   * @param width encoded width
   * @param height encoded height
   * @return {@code file}
   */
  public static Path write(SyntheticVideo video, Path file, String codec, int pixelFormat, @Nullable String movflags, int width, int height) {
    Objects.requireNonNull(file, "file");
    try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), width, height, 0);
        Frame frame = new Frame(video.width(), video.height(), Frame.DEPTH_UBYTE, 3)) {
      rec.setVideoCodecName(codec);
      rec.setPixelFormat(pixelFormat);
      rec.setFrameRate(video.frameRate());
      rec.setGopSize(video.gopSize());
      rec.setVideoQuality(2);
      if (movflags != null) {
        rec.setFormat("mp4");
        rec.setOption("movflags", movflags);
      }
      rec.start();
      ByteBuffer buf = (ByteBuffer) frame.image[0];
      for (int f = 0; f < video.frames(); f++) {
        video.render(f, buf, frame.imageStride);
        rec.record(frame, AV_PIX_FMT_BGR24);
      }
      rec.stop();
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
    }
    return file;
  }
}
