package io.framewise.benchmarks;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;

import io.framewise.DataSize;
import io.framewise.testkit.SyntheticDetector;
import io.framewise.testkit.SyntheticFamily;
import io.framewise.testkit.SyntheticVideo;
import io.framewise.testkit.TruthBox;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Writes the benchmark inputs with the test kit: long low-resolution videos with a cheap model, and a
 * multi-GB 1080p video with its model. Every video has exact ground truth ({@link SyntheticVideo#truth}).
 */
final class Generate {

  // Long video: 192x128 with 32-px squares (6x4 grid, classes red and green), 25 fps, key frame every 2 s.
  static final int LONG_W = 192;
  static final int LONG_H = 128;
  static final int LONG_OBJECT = 32;
  static final double LONG_FPS = 25;
  static final int LONG_GOP = 50;

  // 1080p: 120-px squares (16x9 grid, all three classes).
  static final int HD_W = 1920;
  static final int HD_H = 1080;
  static final int HD_OBJECT = 120;
  // The 1080p model sees the frame at a third of its size: 640x360, so a 120-px square fills one 40-px cell.
  static final int HD_MODEL_W = 640;
  static final int HD_MODEL_H = 360;
  static final int HD_MODEL_CELL = 40;

  private Generate() {}

  /**
   * {@code generate-upscaled --video FILE --out DIR [--width 1920] [--height 1080] [--bitrate 8M] [--frames N]}:
   * re-encodes a real clip at a larger size as H.264 (openh264, the encoder this FFmpeg build has), so
   * the throughput benchmark has a natural 1080p H.264 clip whose decoding costs what such uploads cost
   * (the grain file of {@code generate-1080p} is a decoding stress case instead).
   */
  /** {@code 8M} = 8,000,000, {@code 800k} = 800,000, or a plain number of bits per second. */
  static long bitsPerSecond(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    long unit = t.endsWith("m") ? 1_000_000 : t.endsWith("k") ? 1_000 : 1;
    String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
    try {
      return Long.parseLong(digits) * unit;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a bit rate: '" + text + "' (expected e.g. 8M or 800k)");
    }
  }

  static int generateUpscaled(Args args) throws Exception {
    Path video = args.existingFile("video");
    Path out = Path.of(args.required("out"));
    int width = args.integer("width", HD_W);
    int height = args.integer("height", HD_H);
    long bitrate = bitsPerSecond(args.string("bitrate", "8M"));
    int maxFrames = args.integer("frames", 0);
    args.done();
    refuseRepository(out);
    Files.createDirectories(out);
    av_log_set_level(AV_LOG_ERROR);
    String base = video.getFileName().toString().replaceFirst("\\.[^.]+$", "");
    Path file = out.resolve(Fmt.f("%s-%dx%d-h264.mp4", base, width, height));
    long t0 = System.nanoTime();
    int n = 0;
    try (org.bytedeco.javacv.FFmpegFrameGrabber grabber = new org.bytedeco.javacv.FFmpegFrameGrabber(video.toFile())) {
      grabber.setImageWidth(width);
      grabber.setImageHeight(height);
      grabber.setPixelFormat(AV_PIX_FMT_YUV420P);
      grabber.start();
      try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height, 0)) {
        recorder.setFormat("mp4");
        recorder.setVideoCodecName("libopenh264");
        recorder.setPixelFormat(AV_PIX_FMT_YUV420P);
        recorder.setFrameRate(grabber.getFrameRate());
        recorder.setVideoBitrate((int) bitrate);
        recorder.setGopSize((int) Math.round(2 * grabber.getFrameRate()));
        recorder.start();
        Frame f;
        while ((maxFrames <= 0 || n < maxFrames) && (f = grabber.grabImage()) != null) {
          recorder.record(f, AV_PIX_FMT_YUV420P);
          n++;
        }
      }
    }
    Fmt.out("video  %s  %s  %d frames %dx%d H.264 (openh264, %d kb/s) from %s, in %s", file, Fmt.size(file), n, width, height,
        bitrate / 1000, video.getFileName(), Fmt.seconds(System.nanoTime() - t0));
    return 0;
  }

  /** {@code generate-long --out DIR [--frames 500000] [--short-frames 100000]}. */
  static int generateLong(Args args) throws Exception {
    Path out = Path.of(args.required("out"));
    int frames = args.integer("frames", 500_000);
    int shortFrames = args.integer("short-frames", 100_000);
    args.done();
    refuseRepository(out);
    Files.createDirectories(out);
    av_log_set_level(AV_LOG_ERROR); // no stream dumps

    long t0 = System.nanoTime();
    SyntheticDetector model = SyntheticDetector.builder(SyntheticFamily.YOLOV8)
        .inputSize(LONG_W, LONG_H).cell(LONG_OBJECT).build();
    Path modelFile = model.write(out.resolve("synthetic-yolov8-192x128.onnx"));
    Fmt.out("model  %s  %s  (%s)", modelFile, Fmt.size(modelFile), model);

    List<SyntheticVideo> videos = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    videos.add(longVideo(frames));
    files.add(out.resolve(name(frames)));
    if (shortFrames > 0 && shortFrames != frames) {
      videos.add(longVideo(shortFrames));
      files.add(out.resolve(name(shortFrames)));
    }
    // One encoder per core: the two files are independent.
    ExecutorService pool = Executors.newFixedThreadPool(videos.size());
    try {
      List<Future<Long>> jobs = new ArrayList<>();
      for (int i = 0; i < videos.size(); i++) {
        SyntheticVideo v = videos.get(i);
        Path f = files.get(i);
        jobs.add(pool.submit(() -> {
          long s = System.nanoTime();
          v.write(f);
          long took = System.nanoTime() - s;
          Fmt.out("video  %s  %s  %d frames in %s (%.0f frames/s encoded)  %s", f, Fmt.size(f), v.frames(),
              Fmt.seconds(took), v.frames() / (took / 1e9), v);
          return took;
        }));
      }
      for (Future<Long> j : jobs) {
        j.get();
      }
    } finally {
      pool.shutdown();
    }
    Fmt.out("generate-long done in %s", Fmt.seconds(System.nanoTime() - t0));
    return 0;
  }

  static SyntheticVideo longVideo(int frames) {
    return SyntheticVideo.builder().size(LONG_W, LONG_H).objectSize(LONG_OBJECT).frames(frames)
        .frameRate(LONG_FPS).codec("mpeg4").gopSize(LONG_GOP).build();
  }

  private static String name(int frames) {
    String n = frames % 1000 == 0 ? (frames / 1000) + "k" : Integer.toString(frames);
    return "long-" + n + "-192x128.mp4";
  }

  /**
   * {@code generate-1080p --out DIR [--frames N] [--min-size 2GiB] [--grain 64] [--gop 25] [--name F]}:
   * frames of the test kit's scene (the same squares and ground truth as {@link SyntheticVideo}) on a
   * background of random grain, mpeg4 at the highest quality (qscale 1). The grain is what makes the
   * file big: the plain black test-kit scene compresses to a few KiB per frame, so 2 GB would take
   * hundreds of thousands of 1080p frames; with grain, a couple of thousand frames suffice. Grain
   * values stay below {@code --grain} (mean {@code grain/2}), far under the detector's score threshold,
   * so the ground truth is unchanged. {@code --grain 0} writes the plain test-kit frames. Writing stops
   * at {@code --frames}, or once the file reaches {@code --min-size} when no frame count is given.
   */
  static int generate1080p(Args args) throws Exception {
    Path out = Path.of(args.required("out"));
    int maxFrames = args.integer("frames", 0);
    DataSize minSize = DataSize.parse(args.string("min-size", maxFrames > 0 ? "0" : "2GiB"));
    int grain = args.integer("grain", 64);
    int gop = args.integer("gop", 25);
    double fps = Double.parseDouble(args.string("fps", "25"));
    String name = args.string("name", null);
    args.done();
    refuseRepository(out);
    Files.createDirectories(out);
    if (maxFrames <= 0 && minSize.bytes() <= 0) {
      throw new IllegalArgumentException("generate-1080p: give --frames or --min-size");
    }
    av_log_set_level(AV_LOG_ERROR); // no stream dumps
    if (grain < 0 || grain > 128) {
      throw new IllegalArgumentException("--grain must be in [0, 128]");
    }
    long t0 = System.nanoTime();
    SyntheticDetector model = SyntheticDetector.builder(SyntheticFamily.YOLOV8)
        .inputSize(HD_MODEL_W, HD_MODEL_H).cell(HD_MODEL_CELL).build();
    Path modelFile = model.write(out.resolve("synthetic-yolov8-640x360.onnx"));
    Fmt.out("model  %s  %s  (%s)", modelFile, Fmt.size(modelFile), model);

    int limit = maxFrames > 0 ? maxFrames : Integer.MAX_VALUE;
    // The scene and its truth come from the test kit; frames() only bounds SyntheticVideo.write, unused here.
    SyntheticVideo scene = SyntheticVideo.builder().size(HD_W, HD_H).objectSize(HD_OBJECT).frames(1)
        .frameRate(fps).codec("mpeg4").gopSize(gop).build();
    Path file = out.resolve(name != null ? name
        : "hd-1920x1080" + (maxFrames > 0 ? "-" + maxFrames + "f" : "") + (grain > 0 ? "-grain" + grain : "") + ".mp4");
    int written = 0;
    try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), HD_W, HD_H, 0);
        Frame frame = new Frame(HD_W, HD_H, Frame.DEPTH_UBYTE, 3)) {
      rec.setFormat("mp4");
      rec.setVideoCodecName("mpeg4");
      rec.setPixelFormat(AV_PIX_FMT_YUV420P);
      rec.setFrameRate(fps);
      rec.setGopSize(gop);
      rec.setMaxBFrames(0);
      rec.setVideoQuality(1); // qscale 1: the highest mpeg4 quality, as the test kit uses
      rec.setVideoBitrate(0);
      rec.setVideoOption("threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
      rec.start();
      ByteBuffer buf = (ByteBuffer) frame.image[0];
      int stride = frame.imageStride;
      long seed = 0x9E3779B97F4A7C15L;
      byte[] row = new byte[3 * HD_W];
      long lastReport = System.nanoTime();
      for (int f = 0; f < limit; f++) {
        if (grain == 0) {
          scene.render(f, buf, stride);
        } else {
          for (int y = 0; y < HD_H; y++) {
            seed = grainRow(row, seed, grain);
            buf.put(y * stride, row);
          }
          drawSquares(scene, f, buf, stride);
        }
        rec.setFrameNumber(f);
        rec.record(frame, AV_PIX_FMT_BGR24);
        written++;
        if (maxFrames <= 0 && (f % 25 == 24) && Files.size(file) >= minSize.bytes()) {
          break;
        }
        if (System.nanoTime() - lastReport > 15_000_000_000L) {
          lastReport = System.nanoTime();
          Fmt.out("  ... %d frames, %s, %.1f frames/s", written, Fmt.size(Files.size(file)),
              written / ((lastReport - t0) / 1e9));
        }
      }
      rec.stop();
    }
    long took = System.nanoTime() - t0;
    long bytes = Files.size(file);
    Fmt.out("video  %s  %s  %d frames 1920x1080 mpeg4 q1 gop %d grain %d, %.0f KiB/frame, in %s (%.1f frames/s encoded)",
        file, Fmt.size(file), written, gop, grain, bytes / 1024.0 / written, Fmt.seconds(took), written / (took / 1e9));
    if (minSize.bytes() > 0 && bytes < minSize.bytes()) {
      Fmt.out("WARNING: %s is smaller than --min-size %s", file, minSize);
    }
    return 0;
  }

  /** Fills one BGR row with grain in [0, grain) from an xorshift generator; returns the new state. */
  private static long grainRow(byte[] row, long s, int grain) {
    int i = 0;
    while (i < row.length) {
      s ^= s << 13;
      s ^= s >>> 7;
      s ^= s << 17;
      long r = s;
      for (int k = 0; k < 8 && i < row.length; k++, i++) {
        row[i] = (byte) (((int) (r & 0xff) * grain) >>> 8);
        r >>>= 8;
      }
    }
    return s;
  }

  /** Draws the test kit's squares exactly as {@link SyntheticVideo#render} does (class 0 red, 1 green, 2 blue). */
  private static void drawSquares(SyntheticVideo scene, long f, ByteBuffer bgr, int stride) {
    int size = scene.objectSize();
    byte[] line = new byte[3 * size];
    for (TruthBox t : scene.truth(f)) {
      int channel = 2 - t.classId();
      java.util.Arrays.fill(line, (byte) 0);
      for (int i = channel; i < line.length; i += 3) {
        line[i] = (byte) 255;
      }
      int x1 = (int) t.x1();
      int y1 = (int) t.y1();
      for (int y = y1; y < y1 + size; y++) {
        bgr.put(y * stride + 3 * x1, line);
      }
    }
  }

  /** Generated videos never go into the working tree. */
  static void refuseRepository(Path out) {
    Path abs = out.toAbsolutePath().normalize();
    for (Path p = abs; p != null; p = p.getParent()) {
      if (Files.exists(p.resolve(".git")) || Files.exists(p.resolve("mvnw"))) {
        throw new IllegalArgumentException("--out " + out + " is inside the repository " + p
            + "; generated videos go elsewhere (for example /tmp/framewise-bench)");
      }
    }
  }
}
