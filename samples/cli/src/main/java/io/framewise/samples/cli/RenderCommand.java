package io.framewise.samples.cli;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_frame_rate;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import io.framewise.Printable;
import io.framewise.samples.overlay.BoxPainter;
import io.framewise.samples.overlay.ResultStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.FrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code framewise render VIDEO --result JSON --out FILE}: writes a copy of VIDEO with the boxes and
 * labels of a result document drawn on every frame, so that a person can check a result by eye.
 *
 * <p>The JSON is read with a streaming parser one frame at a time, frames are decoded one at a time, and
 * each is encoded as soon as it is drawn: memory does not depend on the length of the video. Frames are
 * matched to the JSON by frame id (0-based presentation order, as the SDK counts them) and their
 * {@code ptsMs} is checked; a JSON that does not describe this video is refused.
 */
@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    versionProvider = FramewiseCli.Version.class,
    sortOptions = false,
    header = "Draws a result's boxes and labels on the video (to check a result by eye).",
    description = {
        "Writes a copy of VIDEO with the boxes of the result JSON (written by detect for that video) drawn on "
            + "every frame: one colour per class, the label and score above each box. The output has the same "
            + "frames with the same timestamps; frames that the JSON does not cover (--stride) are copied "
            + "without boxes. It is encoded with OpenH264 when FFmpeg has it, else MPEG-4 Part 2, at a high "
            + "quality; the container follows --out's extension (.mp4, .mkv, .mov, .avi; default MP4). Audio is not copied.",
        ""},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:any other failure (e.g. the output cannot be written)",
        "2:usage error, or an --out that is the video, the JSON or a directory (refused before any work)",
        "3:unreadable video, or a JSON that is unusable or not this video's result (size, frame count, "
            + "timestamps or the 'video' section differ)"})
final class RenderCommand extends JobCommand {

  /** A timestamp in the JSON and the decoded frame's may differ by the JSON's rounding, and a bit. */
  private static final double PTS_TOLERANCE_MS = 1.0;

  @Parameters(index = "0", paramLabel = "VIDEO", description = "The video the result was computed for.")
  Path video;

  @Option(names = {"-r", "--result"}, required = true, paramLabel = "JSON",
      description = "The result document that detect wrote for VIDEO (complete or not).")
  Path result;

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE",
      description = "The annotated video to write, atomically: a failed run leaves no file and keeps an existing one. "
          + "Missing folders are created. Refused (exit 2): the video, the JSON (by any path or link), a directory.")
  Path outFile;

  @Override
  int execute() throws IOException {
    Logging.quietFfmpeg(verbose);
    Path out = checkOutput();
    readable(video, "video");
    readable(result, "result JSON");
    long started = System.nanoTime();
    long frames;
    long boxes;
    Path dir = Objects.requireNonNull(out.getParent());
    Files.createDirectories(dir);
    String name = String.valueOf(out.getFileName());
    String ext = extension(name);
    // createFile (not createTempFile), as detect does: the finished file gets the usual permissions (umask)
    Path tmp = Files.createFile(dir.resolve("." + name + "." + Long.toHexString(System.nanoTime())
        + Integer.toHexString(System.identityHashCode(this)) + ".part"));
    // SIGINT/SIGTERM end the process at once (no job to unwind, see SignalStop): leave no partial file.
    Thread cleanup = new Thread(() -> {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // exiting anyway
      }
    }, "framewise-render-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      long[] counts;
      try {
        counts = render(tmp, ext);
      } catch (ResultStream.BadResultException e) {
        throw new Failure(FramewiseCli.MEDIA, e.getMessage());
      }
      frames = counts[0];
      boxes = counts[1];
      try {
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs (or ran) anyway
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    err.println(Printable.escape(String.valueOf(video.getFileName())) + ": " + frames + " frames, " + boxes
        + " boxes drawn, " + String.format(Locale.ROOT, "%.1f s (%.1f fps)", seconds, frames / Math.max(seconds, 1e-9))
        + " -> " + Printable.escape(outFile.toString()) + " (" + encoder() + ")");
    err.flush();
    return FramewiseCli.OK;
  }

  /** Decodes, draws and encodes every frame into {@code tmp}; returns {frames, boxes}. */
  private long[] render(Path tmp, String ext) throws IOException {
    try (ResultStream json = ResultStream.open(result);
        FFmpegFrameGrabber grabber = openVideo();
        Java2DFrameConverter converter = new Java2DFrameConverter()) {
      int width = grabber.getImageWidth();
      int height = grabber.getImageHeight();
      double fps = frameRate(grabber);
      checkVideoSection(json.video(), grabber, width, height, fps);
      BoxPainter painter = new BoxPainter(width, height);
      FFmpegFrameRecorder recorder = new FFmpegFrameRecorder("file:" + tmp.toAbsolutePath(), width, height, 0);
      try (recorder) {
        configure(recorder, ext, width, height, fps);
        recorder.start();
        long frameId = 0;
        long boxes = 0;
        long firstMicros = Long.MIN_VALUE;
        long lastTick = -1;
        ResultStream.FrameResult pending = json.next();
        Frame frame;
        while ((frame = grabber.grabImage()) != null) {
          if (firstMicros == Long.MIN_VALUE) {
            firstMicros = frame.timestamp;
          }
          long relMicros = frame.timestamp - firstMicros;
          Frame toRecord = frame;
          if (pending != null && pending.frameId() == frameId) {
            checkPts(pending, relMicros / 1000.0);
            if (!pending.detections().isEmpty()) {
              BufferedImage image = converter.convert(frame);
              painter.paint(image, pending.detections());
              toRecord = converter.convert(image);
              boxes += pending.detections().size();
            }
            pending = json.next();
          }
          // Keep each frame's time: the encoder's time base is 1/fps, so a tick is a frame slot.
          long tick = Math.max(lastTick + 1, Math.round(relMicros * fps / 1e6));
          lastTick = tick;
          recorder.setFrameNumber(Math.toIntExact(tick));
          recorder.record(toRecord, AV_PIX_FMT_BGR24);
          frameId++;
        }
        if (frameId == 0) {
          throw new Failure(FramewiseCli.MEDIA, video + ": no frame could be decoded");
        }
        if (pending != null) {
          throw notThisVideo("it has frame " + pending.frameId() + " but the video has " + frameId + " frames");
        }
        Long declared = json.summaryFramesDecoded();
        if (declared != null && declared != frameId) {
          throw notThisVideo("its summary counts " + declared + " decoded frames but the video has " + frameId);
        }
        recorder.stop();
        return new long[] {frameId, boxes};
      }
    } catch (FrameGrabber.Exception e) {
      throw new Failure(FramewiseCli.MEDIA, video + ": cannot be decoded: " + e.getMessage());
    } catch (FrameRecorder.Exception e) {
      throw new UncheckedIOException(outFile + ": cannot be encoded: " + e.getMessage(), new IOException(e));
    }
  }

  /**
   * Opens exactly the named local file: {@code file:} plus the absolute path, so a name is never read as
   * another protocol or URL, and FFmpeg may open no other protocol (no playlist or reference that points
   * elsewhere can make it read another file or address).
   */
  private FFmpegFrameGrabber openVideo() {
    FFmpegFrameGrabber grabber = new FFmpegFrameGrabber("file:" + video.toAbsolutePath());
    grabber.setOption("protocol_whitelist", "file");
    grabber.setPixelFormat(AV_PIX_FMT_BGR24);
    try {
      grabber.start();
    } catch (FrameGrabber.Exception | RuntimeException e) {
      try {
        grabber.close();
      } catch (FrameGrabber.Exception ignored) {
        // already failing
      }
      throw new Failure(FramewiseCli.MEDIA, video + ": cannot be read as a video: " + e.getMessage());
    }
    if (grabber.getVideoStream() < 0 || grabber.getImageWidth() <= 0 || grabber.getImageHeight() <= 0) {
      throw new Failure(FramewiseCli.MEDIA, video + ": has no video stream");
    }
    return grabber;
  }

  private static void configure(FFmpegFrameRecorder recorder, String ext, int width, int height, double fps) {
    String format = switch (ext) {
      case "mkv" -> "matroska";
      case "mov" -> "mov";
      case "avi" -> "avi";
      default -> "mp4";
    };
    recorder.setFormat(format);
    recorder.setPixelFormat(AV_PIX_FMT_YUV420P);
    recorder.setFrameRate(fps);
    recorder.setMaxBFrames(0); // pts = decode order: exact timestamps whatever the muxer
    if (encoder().equals("libopenh264")) {
      recorder.setVideoCodecName("libopenh264");
      // No qscale/crf in OpenH264: a generous bitrate and a low max QP keep unchanged pixels close.
      recorder.setVideoBitrate((int) Math.min(Integer.MAX_VALUE, Math.max(4_000_000L, 8L * width * height)));
      recorder.setVideoOption("rc_mode", "quality");
      recorder.setVideoOption("allow_skip_frames", "0");
      recorder.setVideoOption("qmax", "20");
    } else {
      recorder.setVideoCodecName("mpeg4");
      recorder.setVideoQuality(2); // qscale 2: visually lossless
      recorder.setVideoBitrate(0);
    }
  }

  /** {@return the encoder used: libopenh264 when this FFmpeg has it, else mpeg4} */
  static String encoder() {
    return avcodec_find_encoder_by_name("libopenh264") != null ? "libopenh264" : "mpeg4";
  }

  /** The frame rate FFmpeg guesses for the stream (as the SDK reports it), else the grabber's, else 25. */
  private static double frameRate(FFmpegFrameGrabber grabber) {
    AVFormatContext format = grabber.getFormatContext();
    AVRational rate = av_guess_frame_rate(format, format.streams(grabber.getVideoStream()), null);
    if (rate.num() > 0 && rate.den() > 0) {
      return (double) rate.num() / rate.den();
    }
    return grabber.getFrameRate() > 0 ? grabber.getFrameRate() : 25;
  }

  /** The JSON's {@code video} section must describe this video (the fields it has). */
  private void checkVideoSection(Map<String, Object> section, FFmpegFrameGrabber grabber, int width, int height,
      double fps) {
    compare(section, "source", String.valueOf(video.getFileName()));
    compareNumber(section, "width", width, 0);
    compareNumber(section, "height", height, 0);
    compare(section, "codec", avcodec_get_name(grabber.getVideoCodec()).getString());
    compareNumber(section, "frameRate", fps, 0.0015);
    long durationMicros = grabber.getFormatContext().duration();
    compareNumber(section, "durationMs", durationMicros > 0 ? durationMicros / 1000.0 : 0, 0.0015);
  }

  private void compare(Map<String, Object> section, String field, String actual) {
    Object documented = section.get(field);
    if (documented != null && !documented.toString().equals(actual)) {
      throw notThisVideo("video." + field + " is '" + documented + "' but the video's is '" + actual + "'");
    }
  }

  private void compareNumber(Map<String, Object> section, String field, double actual, double tolerance) {
    Object documented = section.get(field);
    if (documented instanceof Double d && Math.abs(d - actual) > tolerance) {
      throw notThisVideo("video." + field + " is " + number(d) + " but the video's is " + number(actual));
    }
  }

  private void checkPts(ResultStream.FrameResult frame, double decodedMs) {
    if (!Double.isNaN(frame.ptsMs()) && Math.abs(frame.ptsMs() - decodedMs) > PTS_TOLERANCE_MS) {
      throw notThisVideo("frame " + frame.frameId() + " is at " + number(frame.ptsMs()) + " ms in it but at "
          + number(decodedMs) + " ms in the video");
    }
  }

  private Failure notThisVideo(String why) {
    return new Failure(FramewiseCli.MEDIA, result + " is not the result of " + video + ": " + why);
  }

  private static String number(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.3f", d);
  }

  /**
   * The output as given, refused when it is the video or the JSON (by any path or link) or a directory.
   *
   * @return its absolute path
   */
  private Path checkOutput() throws IOException {
    Path out = outFile.toAbsolutePath().normalize();
    if (Files.isDirectory(out)) {
      throw new Failure(FramewiseCli.USAGE, outFile + ": --out is a directory; name the video file to write");
    }
    for (Path input : new Path[] {video, result}) {
      if (sameFile(out, input)) {
        throw new Failure(FramewiseCli.USAGE, outFile + ": --out is the same file as the input " + input
            + "; choose another output file");
      }
    }
    if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(out)) {
      throw new Failure(FramewiseCli.USAGE, outFile + ": --out exists and is not a regular file; choose another");
    }
    return out;
  }

  private static boolean sameFile(Path out, Path input) throws IOException {
    if (out.equals(input.toAbsolutePath().normalize())) {
      return true;
    }
    try {
      return Files.exists(out) && Files.exists(input) && Files.isSameFile(out, input);
    } catch (NoSuchFileException | AccessDeniedException e) {
      return false;
    }
  }

  private static void readable(Path file, String what) {
    if (!Files.isRegularFile(file)) {
      throw new Failure(FramewiseCli.MEDIA, file + ": the " + what + " "
          + (Files.exists(file) ? "is not a regular file" : "does not exist"));
    }
    if (!Files.isReadable(file)) {
      throw new Failure(FramewiseCli.MEDIA, file + ": the " + what + " cannot be read (permission denied)");
    }
  }

  private static String extension(String name) {
    int dot = name.lastIndexOf('.');
    return dot <= 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  /** A render failure with its exit code; its message names the file and says what is wrong. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    Failure(int exitCode, String message) {
      super(message);
      this.exitCode = exitCode;
    }

    int exitCode() {
      return exitCode;
    }
  }
}
