package io.framewise.benchmarks;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.ModelInfo;
import io.framewise.ModelSpec;
import io.framewise.ResizeMode;
import io.framewise.VideoDetector;
import io.framewise.VideoInfo;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.gpu.OnnxModelAdapterProvider;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.FrameDecodeException;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoFrame;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * Frames per second of the model alone, the SDK's adapter alone, a plain hand-written loop, and the
 * SDK end to end, on one video and model.
 */
final class ThroughputBenchmark {

  private static final DetectionParams PARAMS = DetectionParams.DEFAULTS;

  /** One line of the result table. */
  record Row(String name, long frames, double seconds, String note, String cpu, double others) {
    double fps() {
      return frames / seconds;
    }
  }

  /** CPU use since the current measurement started; see {@link CpuShare}. */
  private static CpuShare current = CpuShare.start();

  private static double quietWait;
  /** The size the decoder shrinks frames to with {@code ResizeMode.FAST}, or null when the model does not shrink them. */
  private static int @org.jspecify.annotations.Nullable [] fastSize;

  /** Other processes' average CPU use above which a measurement counts as disturbed. */
  private static final double DISTURBED = 0.2;

  /** Extra ONNX Runtime session config entries for the benchmark's own sessions (--ort-config k=v,k=v). */
  private static final Map<String, String> ORT_CONFIG = new java.util.LinkedHashMap<>();

  private static void configure(OrtSession.SessionOptions o) throws OrtException {
    for (Map.Entry<String, String> e : ORT_CONFIG.entrySet()) {
      o.addConfigEntry(e.getKey(), e.getValue());
    }
  }

  private ThroughputBenchmark() {}

  /** Starts one measurement: optionally waits for a quiet machine, then starts the CPU accounting. */
  private static void begin() {
    CpuShare.waitForQuiet(quietWait);
    current = CpuShare.start();
  }

  static int run(Args args) throws Exception {
    Path video = args.existingFile("video");
    Path model = args.existingFile("model");
    int cores = Runtime.getRuntime().availableProcessors();
    boolean threadsGiven = args.has("threads");
    int threads = args.integer("threads", cores);
    int batch = args.integer("batch", 1);
    long maxFrames = args.integer("frames", 0);
    double seconds = Double.parseDouble(args.string("seconds", "20"));
    int decodedWanted = args.integer("decoded", 200);
    Set<String> skip = new LinkedHashSet<>(Arrays.asList(args.string("skip", "").split(",")));
    quietWait = Double.parseDouble(args.string("wait-quiet", "0"));
    int repeat = Math.max(1, args.integer("repeat", 1));
    Object chunk = Args.chunkSize(args.string("e2e-chunk", "20s"));
    String ortConfig = args.string("ort-config", "");
    for (String kv : ortConfig.split(",")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        ORT_CONFIG.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
      }
    }
    args.done();
    if (threadsGiven) {
      // The SDK's adapter reads this property: the adapter ceiling and the end-to-end runs use the same threads.
      System.setProperty("framewise.threads", Integer.toString(threads));
    }
    av_log_set_level(AV_LOG_ERROR);

    Fmt.out("# throughput: %s (%s), model %s; %d cores, intra-op threads %d%s, batch %d", video, Fmt.size(video),
        model.getFileName(), cores, threads, threadsGiven ? " (framewise.threads)" : " (= cores, the SDK default)", batch);

    // What the SDK resolves about the model (family, input size), through the public SPI, and the size
    // at which the SDK has the decoder deliver frames for it (ModelAdapter.frameSizeFor / VideoDecoder.scaleTo).
    VideoInfo vi;
    try (VideoDecoder dec = new FfmpegDecoderProvider().open(video)) {
      vi = dec.info();
    }
    ModelInfo info;
    int[] sdkSize;
    try (ModelAdapter adapter = new OnnxModelAdapterProvider().open(ModelSpec.of(model))) {
      info = adapter.info();
      sdkSize = adapter.frameSizeFor(vi.width(), vi.height());
    }
    try (ModelAdapter adapter = new OnnxModelAdapterProvider().open(ModelSpec.builder(model).resize(ResizeMode.FAST).build())) {
      fastSize = adapter.frameSizeFor(vi.width(), vi.height());
    }
    Fmt.out("# model: %s, family %s, input %dx%d; the SDK decodes %dx%d frames %s", info.name(), info.format().id(),
        info.inputWidth(), info.inputHeight(), vi.width(), vi.height(),
        sdkSize == null ? "at full size" : Fmt.f("straight to %dx%d (decoder-side scaling)", sdkSize[0], sdkSize[1]));
    if (fastSize != null) {
      Fmt.out("# with ResizeMode.FAST the decoder shrinks them to %dx%d (row 'SDK end to end, resize FAST')", fastSize[0], fastSize[1]);
    }

    // Pre-decode up to N frames with the SDK's decoder: at full size for the model ceiling (the benchmark's
    // own preprocessing makes the tensors), and at the size the SDK itself asks for, for the adapter ceiling.
    long t = System.nanoTime();
    List<VideoFrame> frames = predecode(video, decodedWanted, null);
    List<VideoFrame> sdkFrames = sdkSize == null ? frames : predecode(video, decodedWanted, sdkSize);
    Fmt.out("# video: %dx%d %s %.2f fps, %d frames declared; pre-decoded %d frames%s in %s",
        vi.width(), vi.height(), vi.codec(), vi.frameRate(), vi.declaredFrames(), frames.size(),
        sdkFrames == frames ? "" : " twice (full size, SDK size)", Fmt.seconds(System.nanoTime() - t));

    List<List<Row>> rounds = new ArrayList<>();
    for (int round = 1; round <= repeat; round++) {
      if (repeat > 1) {
        Fmt.out("# round %d of %d", round, repeat);
      }
      rounds.add(round(video, model, info, frames, sdkFrames, skip, cores, threads, batch, maxFrames, seconds, chunk));
    }
    frames.clear();
    sdkFrames.clear();
    print(rounds);
    return 0;
  }

  /** One pass over every measurement, in a fixed order. */
  private static List<Row> round(Path video, Path model, ModelInfo info, List<VideoFrame> frames,
      List<VideoFrame> sdkFrames, Set<String> skip, int cores,
      int threads, int batch, long maxFrames, double seconds, Object chunk) throws Exception {
    List<Row> rows = new ArrayList<>();
    if (!skip.contains("ceiling")) {
      // The ceiling for both ways the SDK runs a model: one session using every core, and one runner per core.
      begin();
      rows.add(modelOnly(model, info, frames, 1, threads, batch, maxFrames, seconds));
      if (cores > 1 && !skip.contains("ceiling-runners")) {
        begin();
        rows.add(modelOnly(model, info, frames, cores, 1, batch, maxFrames, seconds));
      }
    }
    if (!skip.contains("adapter")) {
      begin();
      rows.add(adapterOnly(model, sdkFrames, maxFrames, seconds));
    }
    if (!skip.contains("decode")) {
      begin();
      rows.add(decodeOnly(video));
    }
    if (!skip.contains("decode-grabber")) {
      begin();
      rows.add(grabberDecodeOnly(video));
    }
    if (!skip.contains("plain")) {
      begin();
      rows.add(plainLoop(video, model, info, maxFrames));
    }
    String digestDefault = null;
    if (!skip.contains("e2e")) {
      String[] digest = new String[1];
      begin();
      rows.add(endToEnd("SDK end to end, default options", video, ModelSpec.of(model), job -> {}, digest));
      digestDefault = digest[0];
    }
    if (fastSize != null && !skip.contains("e2e-fast")) {
      // ResizeMode.FAST: the decoder shrinks frames while converting them (only where the model shrinks them)
      begin();
      rows.add(endToEnd("SDK end to end, resize FAST", video, ModelSpec.builder(model).resize(ResizeMode.FAST).build(),
          job -> {}, new String[1]));
    }
    if (!skip.contains("e2e-parallel")) {
      String[] digest = new String[1];
      begin();
      String label = chunk instanceof Duration d ? (d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms") : chunk.toString();
      rows.add(endToEnd("SDK end to end, parallelism(2) + chunkSize(" + label + ")", video, ModelSpec.of(model), job -> {
        job.parallelism(2);
        if (chunk instanceof Duration d) {
          job.chunkSize(d);
        } else {
          job.chunkSize((io.framewise.DataSize) chunk);
        }
      }, digest));
      if (digestDefault != null) {
        Fmt.out("# JSON of the parallel run %s the default run's (sha256 %s)",
            digest[0].equals(digestDefault) ? "is byte-identical to" : "DIFFERS from", digest[0].substring(0, 16));
      }
    }
    if (batch > 1 && !skip.contains("e2e-batch")) {
      begin();
      rows.add(endToEnd("SDK end to end, batchSize(" + batch + ")", video, ModelSpec.of(model), job -> job.batchSize(batch), new String[1]));
    }
    return rows;
  }

  /** Decodes up to {@code n} frames with the SDK's decoder, optionally scaled by it, and keeps copies. */
  private static List<VideoFrame> predecode(Path video, int n, int[] scaleTo) throws Exception {
    List<VideoFrame> frames = new ArrayList<>();
    try (VideoDecoder dec = new FfmpegDecoderProvider().open(video)) {
      if (scaleTo != null && !dec.scaleTo(scaleTo[0], scaleTo[1])) {
        Fmt.out("# the decoder declined to scale to %dx%d", scaleTo[0], scaleTo[1]);
      }
      VideoFrame f;
      while (frames.size() < n && (f = nextDecoded(dec)) != null) {
        frames.add(f.copy());
      }
    }
    return frames;
  }

  // ------------------------------------------------------------------------------------------ (a) ceilings

  /**
   * ONNX Runtime alone: {@code runners} threads share one session (as the SDK's inference threads and
   * segment workers do) and each loops over pre-made input tensors; SDK session options with
   * {@code threads} intra-op threads.
   */
  private static Row modelOnly(Path model, ModelInfo info, List<VideoFrame> frames, int runners, int threads, int batch,
      long maxFrames, double seconds) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      o.setIntraOpNumThreads(threads);
      configure(o);
      try (OrtSession session = env.createSession(model.toString(), o)) {
        Map.Entry<String, NodeInfo> input = session.getInputInfo().entrySet().iterator().next();
        long[] shape = ((TensorInfo) input.getValue().getInfo()).getShape();
        int b = batch;
        if (b > 1 && shape[0] > 0) {
          Fmt.out("# the model's batch dimension is fixed at %d: the ceiling runs batch 1", shape[0]);
          b = 1;
        }
        int w = info.inputWidth();
        int h = info.inputHeight();
        int per = 3 * w * h;
        Preprocess pre = new Preprocess(info.format(), w, h);
        List<OnnxTensor> tensors = new ArrayList<>();
        try {
          for (int i = 0; i + b <= frames.size(); i += b) {
            float[] data = new float[b * per];
            for (int k = 0; k < b; k++) {
              VideoFrame f = frames.get(i + k);
              System.arraycopy(pre.apply(f.bgr(), f.width(), f.height(), f.stride()), 0, data, k * per, per);
            }
            tensors.add(OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(data), new long[] {b, 3, h, w}));
          }
          List<Map<String, OnnxTensor>> inputs = new ArrayList<>();
          for (OnnxTensor x : tensors) {
            inputs.add(Map.of(input.getKey(), x));
          }
          for (int i = 0; i < Math.min(5, inputs.size()); i++) {
            session.run(inputs.get(i)).close(); // warm-up
          }
          int step = b;
          java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
          java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(runners + 1);
          long[] started = new long[1];
          List<Thread> runnerThreads = new ArrayList<>();
          Exception[] failure = new Exception[1];
          for (int r = 0; r < runners; r++) {
            int offset = r * inputs.size() / runners;
            Thread t = new Thread(() -> {
              try {
                go.await();
                long deadline = started[0] + (long) (seconds * 1e9);
                int i = offset;
                while (System.nanoTime() < deadline && (maxFrames <= 0 || done.get() < maxFrames)) {
                  session.run(inputs.get(i)).close();
                  i = (i + 1) % inputs.size();
                  done.addAndGet(step);
                }
              } catch (Exception e) {
                failure[0] = e;
              }
            }, "ceiling-" + r);
            t.start();
            runnerThreads.add(t);
          }
          started[0] = System.nanoTime();
          go.await();
          for (Thread t : runnerThreads) {
            t.join();
          }
          if (failure[0] != null) {
            throw failure[0];
          }
          double secs = (System.nanoTime() - started[0]) / 1e9;
          return report(row(Fmt.f("ceiling: model only, %d x %d thread%s", runners, threads, threads == 1 ? "" : "s"), done.get(), secs,
              Fmt.f("OrtSession.run on %d pre-made tensors, batch %d; %d runner thread(s) sharing one session with %d intra-op thread(s)",
                  inputs.size(), b, runners, threads)));
        } finally {
          tensors.forEach(OnnxTensor::close);
        }
      }
    }
  }

  /** The SDK's adapter (preprocess + run + decode + NMS) over pre-decoded frames: no decoding, no output. */
  private static Row adapterOnly(Path model, List<VideoFrame> frames, long maxFrames, double seconds) throws Exception {
    try (ModelAdapter adapter = new OnnxModelAdapterProvider().open(ModelSpec.of(model))) {
      for (int i = 0; i < Math.min(5, frames.size()); i++) {
        adapter.detect(frames.get(i), PARAMS);
      }
      long done = 0;
      long found = 0;
      long start = System.nanoTime();
      long deadline = start + (long) (seconds * 1e9);
      int i = 0;
      while (System.nanoTime() < deadline && (maxFrames <= 0 || done < maxFrames)) {
        found += adapter.detect(frames.get(i), PARAMS).size();
        i = (i + 1) % frames.size();
        done++;
      }
      double secs = (System.nanoTime() - start) / 1e9;
      VideoFrame f0 = frames.get(0);
      return report(row("ceiling: SDK adapter on pre-decoded frames", done, secs,
          Fmt.f("%d %dx%d frames cycled, %.2f detections/frame", frames.size(), f0.width(), f0.height(), (double) found / done)));
    }
  }

  // ------------------------------------------------------------------------------------------ decode only

  private static Row decodeOnly(Path video) throws Exception {
    long start = System.nanoTime();
    long n = 0;
    try (VideoDecoder dec = new FfmpegDecoderProvider().open(video)) {
      while (nextDecoded(dec) != null) {
        n++;
      }
    }
    return report(row("SDK decoder alone (to BGR, no model)", n, (System.nanoTime() - start) / 1e9, "whole video"));
  }

  /** The next frame that decodes (failed ones are skipped), or null at the end. */
  private static VideoFrame nextDecoded(VideoDecoder dec) throws Exception {
    while (true) {
      try {
        return dec.next();
      } catch (FrameDecodeException e) {
        // skipped: the benchmarks measure speed, the tests check failures
      }
    }
  }

  /** FFmpegFrameGrabber to BGR24 with its default (frame) threading, no model: the plain loop's decoder. */
  private static Row grabberDecodeOnly(Path video) throws Exception {
    long start = System.nanoTime();
    long n = 0;
    try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile())) {
      grabber.setPixelFormat(AV_PIX_FMT_BGR24);
      grabber.start();
      while (grabber.grabImage() != null) {
        n++;
      }
      grabber.stop();
    }
    return report(row("JavaCV grabber alone (to BGR, no model)", n, (System.nanoTime() - start) / 1e9,
        "whole video, FFmpeg default threading"));
  }

  // ------------------------------------------------------------------------------------------ (b) plain loop

  /**
   * A single-threaded loop as an application would write it without the SDK: FFmpegFrameGrabber to
   * BGR24, the benchmark's preprocessing, OrtSession.run with one intra-op thread, rough decoding and
   * NMS, one JSON line per frame with Jackson. Timed from opening the video to closing the output.
   */
  private static Row plainLoop(Path video, Path model, ModelInfo info, long maxFrames) throws Exception {
    Path dir = Files.createTempDirectory("framewise-plain-");
    Path out = dir.resolve("plain.jsonl");
    long start = System.nanoTime();
    long frames = 0;
    long boxes = 0;
    long loadNanos;
    OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      configure(o);
      try (OrtSession session = env.createSession(model.toString(), o);
          FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
          OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
          JsonGenerator g = new ObjectMapper().getFactory().createGenerator(os)) {
        g.setPrettyPrinter(new MinimalPrettyPrinter("\n"));
        String inputName = session.getInputNames().iterator().next();
        int w = info.inputWidth();
        int h = info.inputHeight();
        Preprocess pre = new Preprocess(info.format(), w, h);
        java.nio.FloatBuffer input = ByteBuffer.allocateDirect(3 * w * h * Float.BYTES)
            .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, new long[] {1, 3, h, w})) {
          grabber.setPixelFormat(AV_PIX_FMT_BGR24);
          grabber.start();
          loadNanos = System.nanoTime() - start;
          Map<String, OnnxTensor> feed = Map.of(inputName, tensor);
          Frame f;
          while ((maxFrames <= 0 || frames < maxFrames) && (f = grabber.grabImage()) != null) {
            ByteBuffer px = (ByteBuffer) f.image[0];
            input.clear();
            pre.apply(px, f.imageWidth, f.imageHeight, f.imageStride, input);
            input.clear();
            List<RoughDecode.Box> found;
            try (OrtSession.Result r = session.run(feed)) {
              found = RoughDecode.decode(info.format(), r, w, h, (float) PARAMS.confidence(), (float) PARAMS.iou());
            }
            g.writeStartObject();
            g.writeNumberField("frameId", frames);
            g.writeNumberField("ptsMs", grabber.getTimestamp() / 1000.0);
            g.writeArrayFieldStart("detections");
            for (RoughDecode.Box b : found) {
              g.writeStartObject();
              g.writeNumberField("classId", b.cls());
              g.writeNumberField("score", b.score());
              g.writeNumberField("x1", pre.toSourceX(b.x1(), f.imageWidth));
              g.writeNumberField("y1", pre.toSourceY(b.y1(), f.imageHeight));
              g.writeNumberField("x2", pre.toSourceX(b.x2(), f.imageWidth));
              g.writeNumberField("y2", pre.toSourceY(b.y2(), f.imageHeight));
              g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            boxes += found.size();
            frames++;
          }
          grabber.stop();
        }
      }
    }
    double secs = (System.nanoTime() - start) / 1e9;
    long bytes = Files.size(out);
    Files.delete(out);
    Files.delete(dir);
    return report(row("plain loop: grabber + ORT 1 thread + Jackson", frames, secs,
        Fmt.f("load %.2f s incl., %.2f detections/frame, %s JSON lines", loadNanos / 1e9, (double) boxes / Math.max(1, frames),
            Fmt.size(bytes))));
  }

  // ------------------------------------------------------------------------------------------ (c) end to end

  private static Row endToEnd(String name, Path video, ModelSpec model, Consumer<DetectionJob> options, String[] digest)
      throws Exception {
    Path dir = Files.createTempDirectory("framewise-e2e-");
    Path out = dir.resolve("out.json");
    long start = System.nanoTime();
    DetectionJob job = VideoDetector.open(video).model(model);
    options.accept(job);
    DetectionSummary s = job.writeJson(out);
    double secs = (System.nanoTime() - start) / 1e9;
    digest[0] = sha256(out);
    long bytes = Files.size(out);
    Files.delete(out);
    Files.delete(dir);
    return report(row(name, s.framesProcessed(), secs,
        Fmt.f("model load incl., complete=%s, %.2f detections/frame, %s JSON", s.complete(),
            (double) s.detections() / Math.max(1, s.framesProcessed()), Fmt.size(bytes))));
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  // ------------------------------------------------------------------------------------------ output

  private static Row row(String name, long frames, double seconds, String note) {
    return new Row(name, frames, seconds, note, current.summary(), current.others());
  }

  private static Row report(Row r) {
    Fmt.out("# %-50s %8d frames %8.1f s %9.1f fps  (%s; cpu: %s)", r.name(), r.frames(), r.seconds(), r.fps(), r.note(), r.cpu());
    return r;
  }

  /** The table: per measurement, the median over rounds (and the range when there are several). */
  private static void print(List<List<Row>> rounds) {
    List<Row> rows = new ArrayList<>();
    List<String> ranges = new ArrayList<>();
    for (int i = 0; i < rounds.get(0).size(); i++) {
      List<Row> all = new ArrayList<>();
      for (List<Row> r : rounds) {
        all.add(r.get(i));
      }
      // Rounds during which other processes used the CPU are not about Framewise: use the clean ones when there are any.
      List<Row> same = all.stream().filter(r -> r.others() < DISTURBED).collect(java.util.stream.Collectors.toList());
      if (same.isEmpty()) {
        same = all;
      }
      same.sort(java.util.Comparator.comparingDouble(Row::fps));
      rows.add(same.get((same.size() - 1) / 2)); // the lower median: a slow outlier cannot pull it up
      ranges.add(all.size() == 1 ? "" : Fmt.f("%.1f-%.1f (%d/%d)", same.get(0).fps(), same.get(same.size() - 1).fps(),
          same.size(), all.size()));
    }
    boolean several = rounds.size() > 1;
    for (Row r : rows) {
      if (r.others() >= DISTURBED) {
        Fmt.out("# WARNING: '%s' was measured while other processes used %.1f cores: not a clean number", r.name(), r.others());
      }
    }
    Fmt.out("");
    if (several) {
      Fmt.out("# median of %d rounds, over the clean rounds only (other processes under %.1f cores) where there are any;"
          + " range: min-max of those (clean/all)", rounds.size(), DISTURBED);
    }
    Fmt.out("| %-50s | %8s | %8s | %9s |%s %-30s | %s |", "measurement", "frames", "seconds", "frames/s",
        several ? Fmt.f(" %-19s |", "range") : "", "cpu (avg cores)", "notes");
    Fmt.out("|%s|%s|%s|%s|%s%s|%s|", "-".repeat(52), "-".repeat(10), "-".repeat(10), "-".repeat(11),
        several ? "-".repeat(21) + "|" : "", "-".repeat(32), "-".repeat(7));
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      Fmt.out("| %-50s | %8d | %8.1f | %9.1f |%s %-30s | %s |", r.name(), r.frames(), r.seconds(), r.fps(),
          several ? Fmt.f(" %-19s |", ranges.get(i)) : "", r.cpu(), r.note());
    }
    // The ceiling is the best the model alone reached, whichever way it was run (the strictest comparison).
    Row ceiling = rows.stream().filter(r -> r.name().startsWith("ceiling: model")).max(java.util.Comparator.comparingDouble(Row::fps))
        .orElse(null);
    Row adapter = find(rows, "ceiling: SDK adapter");
    Row plain = find(rows, "plain loop");
    Fmt.out("");
    for (Row r : rows) {
      if (!r.name().startsWith("SDK end to end")) {
        continue;
      }
      StringBuilder sb = new StringBuilder(Fmt.f("%-50s", r.name()));
      if (ceiling != null) {
        sb.append(Fmt.f("  e2e/ceiling(model, best: %s) = %.2f", ceiling.name().substring("ceiling: model only, ".length()),
            r.fps() / ceiling.fps()));
      }
      if (adapter != null) {
        sb.append(Fmt.f("  e2e/ceiling(adapter) = %.2f", r.fps() / adapter.fps()));
      }
      if (plain != null) {
        sb.append(Fmt.f("  e2e/plain = %.2f", r.fps() / plain.fps()));
      }
      Fmt.out("%s", sb);
    }
  }

  private static Row find(List<Row> rows, String prefix) {
    return rows.stream().filter(r -> r.name().startsWith(prefix)).findFirst().orElse(null);
  }
}
