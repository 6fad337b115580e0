package io.framewise.testkit;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_PCM_S16LE;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import io.framewise.spi.VideoFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.jspecify.annotations.Nullable;

/**
 * A video of coloured squares on black whose objects are exactly known for every frame.
 *
 * <p>The frame is a grid of {@code width / objectSize} columns by {@code height / objectSize} rows
 * of square cells. Frame {@code f} shows up to three squares, each filling one cell in a pure
 * colour: object {@code c} (class 0 red, 1 green, 2 blue) is present when {@code rows > 2c}, at
 * column {@code (f + 3c) % cols} and row {@code 2c}, so squares never overlap. Every frame with
 * {@code f % 7 == 6} is empty. The scene is a pure function of the frame index, so
 * {@link #truth(long)} computes the ground truth of any frame without storing anything, and
 * {@link #write(Path)} streams arbitrarily long videos in constant memory.
 *
 * <p>Instances are immutable and thread-safe; {@link #write(Path)} may run concurrently for
 * different files.
 */
public final class SyntheticVideo {

  /** Every frame whose index modulo this is {@link #EMPTY_FRAME_PHASE} has no objects. */
  public static final int EMPTY_FRAME_PERIOD = 7;

  /** See {@link #EMPTY_FRAME_PERIOD}. */
  public static final int EMPTY_FRAME_PHASE = 6;

  /** The number of classes, and of squares at most per frame. */
  public static final int CLASSES = 3;

  private final int width;
  private final int height;
  private final int frames;
  private final double frameRate;
  private final int objectSize;
  private final String codec;
  private final int gopSize;
  private final int bFrames;
  private final boolean variableFrameRate;

  private SyntheticVideo(Builder b) {
    this.width = b.width;
    this.height = b.height;
    this.frames = b.frames;
    this.frameRate = b.frameRate;
    this.objectSize = b.objectSize;
    this.codec = b.codec;
    this.gopSize = b.gopSize;
    this.bFrames = b.bFrames;
    this.variableFrameRate = b.variableFrameRate;
  }

  /**
   * Returns a builder with the defaults: 640x384, 30 frames at 10 fps, 64-pixel squares, mpeg4,
   * keyframe every 12 frames, no B-frames.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the frame width, in pixels} */
  public int width() {
    return width;
  }

  /** {@return the frame height, in pixels} */
  public int height() {
    return height;
  }

  /** {@return the number of frames {@link #write(Path)} encodes} */
  public int frames() {
    return frames;
  }

  /** {@return the frame rate, in frames per second} */
  public double frameRate() {
    return frameRate;
  }

  /** {@return the side of each square (and grid cell), in pixels} */
  public int objectSize() {
    return objectSize;
  }

  /** {@return the FFmpeg encoder name, e.g. "mpeg4"} */
  public String codec() {
    return codec;
  }

  /** {@return the keyframe interval, in frames} */
  public int gopSize() {
    return gopSize;
  }

  /** {@return the maximum number of consecutive B-frames, 0 for none} */
  public int bFrames() {
    return bFrames;
  }

  /** {@return the number of grid columns, {@code width / objectSize}} */
  public int columns() {
    return width / objectSize;
  }

  /** {@return the number of grid rows, {@code height / objectSize}} */
  public int rows() {
    return height / objectSize;
  }

  /**
   * Returns the presentation time of a frame: exactly {@code frameId / frameRate}.
   *
   * @param frameId zero-based frame index
   * @return the timestamp in milliseconds
   */
  public double ptsMs(long frameId) {
    return ticks(frameId) * 1000.0 / frameRate;
  }

  /**
   * Returns a frame's presentation time in ticks of {@code 1 / frameRate}: {@code f} at a constant
   * rate; with a variable frame rate {@code f + f / 3} (frame gaps of 1, 1, 2, 1, 1, 2, ... ticks).
   *
   * @param frameId the frame
   * @return the tick
   */
  public long ticks(long frameId) {
    return variableFrameRate ? frameId + frameId / 3 : frameId;
  }

  /**
   * Tells whether frames are spaced irregularly (see {@link #ticks}).
   *
   * @return true for a variable frame rate
   */
  public boolean variableFrameRate() {
    return variableFrameRate;
  }

  /**
   * Tells whether a frame is one of the periodic empty frames.
   *
   * @param frameId zero-based frame index
   * @return true when {@code frameId % 7 == 6}
   */
  public static boolean isEmptyFrame(long frameId) {
    return frameId % EMPTY_FRAME_PERIOD == EMPTY_FRAME_PHASE;
  }

  /**
   * Computes the objects of a frame. Nothing is stored: this works for any index, even past
   * {@link #frames()}.
   *
   * @param frameId zero-based frame index
   * @return the boxes in class order (possibly empty), in source pixel coordinates
   * @throws IllegalArgumentException if {@code frameId} is negative
   */
  public List<TruthBox> truth(long frameId) {
    if (frameId < 0) {
      throw new IllegalArgumentException("frameId must be >= 0, was " + frameId);
    }
    if (isEmptyFrame(frameId)) {
      return List.of();
    }
    int cols = columns();
    int rows = rows();
    List<TruthBox> out = new ArrayList<>(CLASSES);
    for (int c = 0; c < CLASSES && rows > 2 * c; c++) {
      int col = (int) ((frameId + 3L * c) % cols);
      int row = 2 * c;
      double x1 = (double) col * objectSize;
      double y1 = (double) row * objectSize;
      out.add(new TruthBox(c, x1, y1, x1 + objectSize, y1 + objectSize));
    }
    return List.copyOf(out);
  }

  /**
   * Draws a frame into a packed BGR buffer: black, with the squares of {@link #truth(long)}.
   *
   * @param frameId zero-based frame index
   * @param bgr destination, written with absolute puts (its position is left alone)
   * @param stride bytes per row, at least {@code 3 * width}
   * @throws IllegalArgumentException if the stride or buffer is too small
   */
  public void render(long frameId, ByteBuffer bgr, int stride) {
    int row = 3 * width;
    if (stride < row) {
      throw new IllegalArgumentException("stride " + stride + " < " + row);
    }
    if (bgr.capacity() < (long) stride * (height - 1) + row) {
      throw new IllegalArgumentException("buffer of " + bgr.capacity() + " bytes is too small");
    }
    byte[] zeros = new byte[row];
    for (int y = 0; y < height; y++) {
      bgr.put(y * stride, zeros);
    }
    byte[] line = new byte[3 * objectSize];
    for (TruthBox t : truth(frameId)) {
      // BGR byte order: red is byte 2, green 1, blue 0.
      int channel = 2 - t.classId();
      Arrays.fill(line, (byte) 0);
      for (int i = channel; i < line.length; i += 3) {
        line[i] = (byte) 255;
      }
      int x1 = (int) t.x1();
      int y1 = (int) t.y1();
      for (int y = y1; y < y1 + objectSize; y++) {
        bgr.put(y * stride + 3 * x1, line);
      }
    }
  }

  /**
   * Renders one frame as the SDK's decoded-frame type, for feeding engines without a decoder.
   *
   * @param frameId zero-based frame index
   * @return a new tightly packed BGR frame with pts {@code frameId / frameRate}
   */
  public VideoFrame frame(long frameId) {
    ByteBuffer buf = ByteBuffer.allocate(3 * width * height);
    render(frameId, buf, 3 * width);
    long ptsMicros = Math.round(frameId * 1_000_000.0 / frameRate);
    return new VideoFrame(width, height, 3 * width, buf, ptsMicros);
  }

  /**
   * Encodes all {@link #frames()} frames into a file; the container follows the extension (mp4,
   * avi, mkv, ...). Frame {@code f} gets pts {@code f / frameRate}.
   *
   * @param file the output file, overwritten
   * @return {@code file}
   * @throws UncheckedIOException if the encoder is missing or FFmpeg fails
   */
  public Path write(Path file) {
    return write(file, null);
  }

  /**
   * Writes the video as {@link #write(Path)} does, with the black background replaced by random grain
   * (values 0..63, from {@code seed}; the objects stay as drawn): a file of tens of MB for a few hundred
   * frames, for tests that measure how much of a file is read (range requests, segments).
   *
   * @param file the output file, overwritten
   * @param seed the grain's seed: the same seed gives the same bytes
   * @return {@code file}
   * @throws UncheckedIOException if the encoder is missing or FFmpeg fails
   */
  public Path writeGrainy(Path file, long seed) {
    return write(file, new java.util.Random(seed));
  }

  /**
   * Writes the video as {@link #write(Path)} does, with an audio track beside it (a quiet 440 Hz tone,
   * 8 kHz mono AAC, as long as the video), so the container interleaves audio and video packets: for
   * tests of how the video stream is read among other streams.
   *
   * @param file the output file, overwritten
   * @return {@code file}
   * @throws UncheckedIOException if the encoder is missing or FFmpeg fails
   */
  public Path writeWithAudio(Path file) {
    return write(file, null, true);
  }

  private Path write(Path file, java.util.@Nullable Random grain) {
    return write(file, grain, false);
  }

  private Path write(Path file, java.util.@Nullable Random grain, boolean audio) {
    Objects.requireNonNull(file, "file");
    if (avcodec_find_encoder_by_name(codec) == null) {
      // FFmpegFrameRecorder would silently fall back to the container's default codec.
      throw new UncheckedIOException(new IOException("FFmpeg has no encoder named '" + codec + "'"));
    }
    int sampleRate = 8000;
    try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), width, height, audio ? 1 : 0);
        Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3)) {
      if (audio) {
        rec.setAudioCodec(AV_CODEC_ID_AAC);
        rec.setSampleRate(sampleRate);
        rec.setAudioBitrate(64_000);
      }
      String format = containerFor(file);
      if (format != null) {
        rec.setFormat(format);
      }
      rec.setVideoCodecName(codec);
      rec.setPixelFormat(AV_PIX_FMT_YUV420P);
      rec.setFrameRate(frameRate);
      rec.setGopSize(gopSize);
      rec.setMaxBFrames(bFrames);
      if ("libopenh264".equals(codec)) {
        // No qscale/crf in OpenH264: ask for a generous bitrate and a low max QP instead.
        rec.setVideoBitrate(Math.max(4_000_000, (int) Math.min(Integer.MAX_VALUE, 4L * width * height)));
        rec.setVideoOption("rc_mode", "quality");
        rec.setVideoOption("allow_skip_frames", "0");
        rec.setVideoOption("qmax", "20");
      } else {
        rec.setVideoQuality(1);
        rec.setVideoBitrate(0);
      }
      rec.start();
      ByteBuffer buf = (ByteBuffer) frame.image[0];
      byte[] noise = grain == null ? null : new byte[buf.capacity()];
      for (int f = 0; f < frames; f++) {
        render(f, buf, frame.imageStride);
        if (noise != null) {
          grain.nextBytes(noise);
          for (int i = 0; i < noise.length; i++) {
            if (buf.get(i) == 0) {
              buf.put(i, (byte) (noise[i] & 0x3f));
            }
          }
        }
        rec.setFrameNumber((int) ticks(f));
        rec.record(frame, AV_PIX_FMT_BGR24);
        if (audio) { // the tone up to the end of this frame
          long from = Math.round(ptsMs(f) * sampleRate / 1000.0);
          long to = Math.round((f + 1 < frames ? ptsMs(f + 1) : ptsMs(f) + 1000.0 / frameRate) * sampleRate / 1000.0);
          short[] samples = new short[(int) Math.max(0, to - from)];
          for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) Math.round(2000 * Math.sin(2 * Math.PI * 440 * (from + i) / sampleRate));
          }
          rec.recordSamples(sampleRate, 1, ShortBuffer.wrap(samples));
        }
      }
      rec.stop();
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  /**
   * Writes one second of a quiet 440 Hz tone, 8 kHz mono, with no video stream: for "file has no
   * video" tests. A {@code .wav} file gets PCM (s16le), {@code .m4a}/{@code .mp4}/{@code .aac}
   * get AAC; other extensions let FFmpeg pick.
   *
   * @param file the output file, overwritten
   * @return {@code file}
   * @throws UncheckedIOException if FFmpeg fails
   */
  public static Path writeNoVideo(Path file) {
    Objects.requireNonNull(file, "file");
    int sampleRate = 8000;
    try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), 1)) {
      String ext = extension(file);
      switch (ext) {
        case "wav" -> {
          rec.setFormat("wav");
          rec.setAudioCodec(AV_CODEC_ID_PCM_S16LE);
        }
        case "m4a", "mp4" -> {
          rec.setFormat("mp4");
          rec.setAudioCodec(AV_CODEC_ID_AAC);
        }
        case "aac" -> {
          rec.setFormat("adts");
          rec.setAudioCodec(AV_CODEC_ID_AAC);
        }
        default -> {
          // let FFmpeg guess from the file name
        }
      }
      rec.setSampleRate(sampleRate);
      rec.setAudioChannels(1);
      rec.setAudioBitrate(64_000);
      rec.start();
      short[] samples = new short[sampleRate];
      for (int i = 0; i < samples.length; i++) {
        samples[i] = (short) Math.round(2000 * Math.sin(2 * Math.PI * 440 * i / sampleRate));
      }
      rec.recordSamples(sampleRate, 1, ShortBuffer.wrap(samples));
      rec.stop();
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  private static @Nullable String containerFor(Path file) {
    return switch (extension(file)) {
      case "mp4", "m4v" -> "mp4";
      case "mov" -> "mov";
      case "avi" -> "avi";
      case "mkv" -> "matroska";
      case "webm" -> "webm";
      default -> null;
    };
  }

  private static String extension(Path file) {
    Path name = file.getFileName();
    String s = name == null ? "" : name.toString();
    int dot = s.lastIndexOf('.');
    return dot < 0 ? "" : s.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return "SyntheticVideo[" + width + "x" + height + ", " + frames + " frames @ " + frameRate
        + " fps, objectSize=" + objectSize + ", codec=" + codec + ", gop=" + gopSize + ", bFrames="
        + bFrames + (variableFrameRate ? ", vfr" : "") + "]";
  }

  /**
   * Builder for {@link SyntheticVideo}; see {@link SyntheticVideo#builder()} for the defaults.
   *
   * <p>Not thread-safe; build once and share the immutable result.
   */
  public static final class Builder {
    private int width = 640;
    private int height = 384;
    private int frames = 30;
    private double frameRate = 10;
    private int objectSize = 64;
    private String codec = "mpeg4";
    private int gopSize = 12;
    private int bFrames = 0;
    private boolean variableFrameRate;

    private Builder() {}

    /**
     * Sets the frame size; both must be multiples of the object size, and even.
     *
     * @param width width in pixels
     * @param height height in pixels
     * @return this builder
     */
    public Builder size(int width, int height) {
      this.width = width;
      this.height = height;
      return this;
    }

    /**
     * Sets the number of frames to encode.
     *
     * @param frames at least 1
     * @return this builder
     */
    public Builder frames(int frames) {
      this.frames = frames;
      return this;
    }

    /**
     * Sets the frame rate.
     *
     * @param frameRate frames per second, positive
     * @return this builder
     */
    public Builder frameRate(double frameRate) {
      this.frameRate = frameRate;
      return this;
    }

    /**
     * Sets the side of the squares, which is also the grid cell size.
     *
     * @param objectSize side in pixels, positive
     * @return this builder
     */
    public Builder objectSize(int objectSize) {
      this.objectSize = objectSize;
      return this;
    }

    /**
     * Sets the FFmpeg encoder by name: "mpeg4" (default) or "libopenh264" (this FFmpeg build has
     * no libx264).
     *
     * @param codec encoder name
     * @return this builder
     */
    public Builder codec(String codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    /**
     * Sets the keyframe interval.
     *
     * @param gopSize frames between keyframes, at least 1
     * @return this builder
     */
    public Builder gopSize(int gopSize) {
      this.gopSize = gopSize;
      return this;
    }

    /**
     * Spaces frames irregularly: frame {@code f} at tick {@code f + f / 3} of {@code 1 / frameRate}.
     *
     * @param variableFrameRate true for a variable frame rate
     * @return this builder
     */
    public Builder variableFrameRate(boolean variableFrameRate) {
      this.variableFrameRate = variableFrameRate;
      return this;
    }

    /**
     * Sets the maximum number of consecutive B-frames (mpeg4 supports them, libopenh264 does not).
     *
     * @param bFrames 0 (default) for none
     * @return this builder
     */
    public Builder bFrames(int bFrames) {
      this.bFrames = bFrames;
      return this;
    }

    /**
     * Validates the settings and builds the video description; nothing is written yet.
     *
     * @return the immutable video
     * @throws IllegalArgumentException if a setting is out of range
     */
    public SyntheticVideo build() {
      if (objectSize <= 0) {
        throw new IllegalArgumentException("objectSize must be positive, was " + objectSize);
      }
      if (width <= 0 || height <= 0 || width % objectSize != 0 || height % objectSize != 0) {
        throw new IllegalArgumentException("size " + width + "x" + height
            + " must be positive multiples of objectSize " + objectSize);
      }
      if (width % 2 != 0 || height % 2 != 0) {
        throw new IllegalArgumentException("size " + width + "x" + height + " must be even (yuv420p)");
      }
      if (frames < 1) {
        throw new IllegalArgumentException("frames must be >= 1, was " + frames);
      }
      if (!(frameRate > 0) || Double.isInfinite(frameRate)) {
        throw new IllegalArgumentException("frameRate must be positive, was " + frameRate);
      }
      if (gopSize < 1) {
        throw new IllegalArgumentException("gopSize must be >= 1, was " + gopSize);
      }
      if (bFrames < 0) {
        throw new IllegalArgumentException("bFrames must be >= 0, was " + bFrames);
      }
      if (bFrames > 0 && "libopenh264".equals(codec)) {
        throw new IllegalArgumentException("libopenh264 does not support B-frames");
      }
      return new SyntheticVideo(this);
    }
  }
}
