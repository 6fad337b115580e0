package io.framewise.gpu;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.framewise.ModelException;
import io.framewise.ModelFormat;
import io.framewise.ModelInfo;
import io.framewise.ModelSpec;
import io.framewise.spi.DetectorContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model: its ONNX Runtime session (thread-safe; shared by every adapter that uses the
 * model, across workers and jobs), the decoded layout and the model info. Reference-counted: the
 * session closes when the cache has dropped the model and the last adapter using it has closed.
 */
final class LoadedModel {

  private static final Logger LOG = LoggerFactory.getLogger(LoadedModel.class);
  private static final Pattern NAME_ENTRY = Pattern.compile("(?<!\\d)(\\d{1,6})\\s*:\\s*(['\"])((?:\\\\.|(?!\\2).)*)\\2");
  private static final Pattern INTS = Pattern.compile("\\d+");
  private static final int DEFAULT_INPUT = 640;
  /** Largest batch used with a dynamic batch dimension. */
  static final int MAX_BATCH = 32;

  final Path path;
  final OrtSession session;
  final String inputName;
  final ModelLayout layout;
  final ModelInfo info;
  final int maxBatch;
  final String device;
  /** CPU threads one run keeps busy: the intra-op threads on CPU, 0 on CUDA. */
  final int cpuThreads;
  final Set<String> outputNames;
  /**
   * Output shapes (batch dimension excluded) for outputs whose shape only depends on the batch, so
   * adapters can hand ONNX Runtime their own output buffers; empty when any output has another
   * dynamic dimension.
   */
  final Map<String, long[]> fixedOutputShapes;
  /** Bytes of one frame's outputs (the ones we read); outputs with unknown dimensions counted at {@link #UNKNOWN_OUTPUT_BYTES}. */
  final long outputBytesPerFrame;
  /** The model file's size. */
  final long fileBytes;
  /** Sessions loaded and not yet closed, in the whole process (a diagnostic: tests watch sessions close). */
  private static final java.util.concurrent.atomic.AtomicInteger OPEN = new java.util.concurrent.atomic.AtomicInteger();
  private int references;
  private @Nullable Runnable onIdle;
  private boolean cached = true;
  private boolean closed;

  private LoadedModel(Path path, OrtSession session, String inputName, ModelLayout layout, ModelInfo info, int maxBatch, String device,
      int threads, Map<String, long[]> shapes) {
    this.path = path;
    this.session = session;
    this.inputName = inputName;
    this.layout = layout;
    this.info = info;
    this.maxBatch = maxBatch;
    this.device = device;
    this.cpuThreads = device.startsWith("CUDA") ? 0 : threads;
    this.outputNames = layout.boxesOutput() == null ? Set.of(layout.output()) : Set.of(layout.output(), layout.boxesOutput());
    Map<String, long[]> fixed = new HashMap<>();
    for (String name : outputNames) {
      long[] shape = shapes.get(name);
      if (shape == null || shape.length < 1 || Arrays.stream(shape, 1, shape.length).anyMatch(d -> d <= 0)) {
        fixed.clear();
        break;
      }
      fixed.put(name, shape);
    }
    this.fixedOutputShapes = Map.copyOf(fixed);
    long outBytes = 0;
    for (String name : outputNames) {
      long[] shape = shapes.get(name);
      long count = Float.BYTES;
      for (int i = 1; shape != null && i < shape.length && count > 0; i++) {
        count = shape[i] > 0 ? count * shape[i] : -1;
      }
      outBytes += shape == null || count <= 0 ? UNKNOWN_OUTPUT_BYTES : count;
    }
    this.outputBytesPerFrame = outBytes;
    long size;
    try {
      size = Files.size(path);
    } catch (IOException e) {
      size = 0;
    }
    this.fileBytes = size;
    OPEN.incrementAndGet();
  }

  /** Sessions loaded and not yet closed in this process. */
  static int openSessions() {
    return OPEN.get();
  }

  // ----------------------------------------------------------------------------------------- memory
  // Calibrated with the benchmarks' budget-table (benchmarks/README.md, "Budget"): peak RSS of a child
  // JVM against these estimates, for a 0.02 MB synthetic model, yolox_nano (3.6 MB) and a 400 MB model.

  /**
   * ONNX Runtime while it loads a model, per byte of the file: the parsed protobuf and the initializers
   * copied out of it are alive together while the session is created (a 403 MiB model: 795 MiB above
   * the JVM's baseline at the peak, 419 MiB once loaded).
   */
  static final double LOADING_FACTOR = 2.0;
  /** A session's own state beyond its weights: graph, kernels, thread pool, allocator. */
  static final long SESSION_BYTES = 8L << 20;
  /**
   * Intermediate tensors of one inference call per byte of its input: the arena ONNX Runtime grows
   * for activations (yolox_nano at 416x416: about 10 times its 2 MiB input).
   */
  static final int ACTIVATION_FACTOR = 12;
  /** An output whose dimensions are only known at run time. */
  static final long UNKNOWN_OUTPUT_BYTES = 4L << 20;

  /** Estimated peak while a model file of {@code fileBytes} loads. */
  static long loadingBytes(long fileBytes) {
    return (long) (fileBytes * LOADING_FACTOR) + SESSION_BYTES;
  }

  /** Estimated bytes a loaded model of {@code fileBytes} holds: its weights, once, and the session. */
  static long loadedBytes(long fileBytes) {
    return fileBytes + SESSION_BYTES;
  }

  /** Estimated bytes one inference call at {@code batch} needs: our input buffer and ONNX Runtime's, outputs, activations. */
  long workingBytes(int batch) {
    long input = 3L * info.inputWidth() * info.inputHeight() * Float.BYTES;
    return batch * (input * (2 + ACTIVATION_FACTOR) + outputBytesPerFrame * 2);
  }

  private static volatile OrtEnvironment environment;

  /**
   * Creates ONNX Runtime's environment once, on a thread with a large stack: ONNX Runtime 1.29 parses
   * {@code /proc/self/cmdline} recursively while creating it and overflows an ordinary thread's stack
   * (a silent SIGSEGV) when the command line is a few KB long, as with a long {@code -cp}. The thread is
   * the shared context's own.
   */
  static OrtEnvironment environment() {
    return environment(DetectorContext.shared());
  }

  /**
   * Creates ONNX Runtime's (process-wide) environment once. A detector that makes its own threads
   * creates it on a thread with a 64 MiB stack (see {@link #environment()}). A detector given an
   * executor or a thread factory creates it on one of its workers when the process's command line is
   * short ({@value #SHORT_COMMAND_LINE} bytes or less), and otherwise, as the one exception to "no
   * thread of its own", still on a large-stack thread of its own, logged once: a container thread's
   * default stack is too small for what ONNX Runtime does then.
   */
  static OrtEnvironment environment(DetectorContext context) {
    OrtEnvironment env = environment;
    if (env != null) {
      return env;
    }
    synchronized (LoadedModel.class) {
      if (environment == null) {
        OnnxNatives.prepare(); // from a per-user cache, not copied to the temporary directory by every process
        OrtEnvironment[] made = new OrtEnvironment[1];
        RuntimeException[] failed = new RuntimeException[1];
        Runnable create = () -> {
          try {
            made[0] = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
          } catch (RuntimeException e) {
            failed[0] = e;
          }
        };
        boolean interrupted = false;
        long cmdline = commandLineBytes();
        if (!context.ownsThreads() && cmdline >= 0 && cmdline <= SHORT_COMMAND_LINE) {
          DetectorContext.Worker w = context.startWorker("ort-init", create);
          while (true) {
            try {
              w.join(Long.MAX_VALUE, java.util.concurrent.TimeUnit.NANOSECONDS);
              break;
            } catch (InterruptedException e) {
              interrupted = true;
            }
          }
        } else {
          if (!context.ownsThreads()) {
            LOG.info("creating ONNX Runtime's environment on a thread of Framewise's own (64 MiB stack): the command line"
                + " is {} bytes, too long for a container thread's stack", cmdline);
          }
          Thread t = new Thread(null, create, "framewise-ort-init", 64L << 20);
          t.setDaemon(true);
          t.start();
          while (true) {
            try {
              t.join();
              break;
            } catch (InterruptedException e) {
              interrupted = true;
            }
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
        if (failed[0] != null) {
          throw failed[0];
        }
        environment = made[0];
        OnnxNatives.removeStartFolder();
      }
      return environment;
    }
  }

  /** Command lines up to this long are parsed by ONNX Runtime within an ordinary thread's stack. */
  static final int SHORT_COMMAND_LINE = 1024;

  private static long commandLineBytes() {
    try {
      return Files.readAllBytes(Path.of("/proc/self/cmdline")).length; // procfs reports size 0: read it
    } catch (IOException | RuntimeException e) {
      return -1; // not Linux: keep the large stack
    }
  }

  /** Takes a reference; false when the model was already closed (the caller loads it again). */
  synchronized boolean retain() {
    if (closed) {
      return false;
    }
    references++;
    return true;
  }

  void release() {
    Runnable idle;
    synchronized (this) {
      references--;
      closeIfUnused();
      idle = references == 0 && cached ? onIdle : null;
    }
    if (idle != null) {
      idle.run(); // outside this lock: the cache may evict (and call evicted()) from another thread meanwhile
    }
  }

  /** Called, outside this model's lock, whenever the last adapter using it closes while it is cached. */
  synchronized void onIdle(@Nullable Runnable onIdle) {
    this.onIdle = onIdle;
  }

  /** The cache dropped this model: close it once no adapter uses it. */
  synchronized void evicted() {
    cached = false;
    closeIfUnused();
  }

  private void closeIfUnused() {
    if (!cached && references <= 0 && !closed) {
      closed = true;
      OPEN.decrementAndGet();
      try {
        session.close();
      } catch (OrtException e) {
        LOG.warn("{}: closing the ONNX Runtime session failed: {}", path, e.getMessage());
      }
    }
  }

  /**
   * Intra-op threads for one of {@code workers} concurrent sessions, when the detector's settings give
   * none ({@link io.framewise.spi.DetectorSettings#intraOpThreads()}, whose default is {@code framewise.threads}).
   */
  static int threadsFor(int workers) {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, workers));
  }

  static LoadedModel load(ModelSpec spec, int threads, String wantedDevice) {
    Path path = spec.path();
    if (!Files.isRegularFile(path)) {
      throw new ModelException("FW-200", path, Files.exists(path) ? "not a regular file" : "no such model file", null);
    }
    try {
      if (Files.size(path) == 0) {
        throw new ModelException("FW-201", path, "model file is empty (0 bytes)", null);
      }
    } catch (IOException e) {
      throw new ModelException("FW-200", path, "cannot read the model file: " + e.getMessage(), e);
    }
    OrtEnvironment env = environment();
    OrtSession session;
    String device;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      options.setIntraOpNumThreads(threads);
      device = ExecutionDevice.configure(options, path, wantedDevice);
      session = env.createSession(path.toString(), options);
    } catch (OrtException e) {
      throw new ModelException("FW-201", path, "not a valid ONNX model: " + oneLine(e.getMessage()), e);
    }
    try {
      LoadedModel model = configure(spec, session, device, threads);
      LOG.info("ONNX Runtime on {} for model {} ({}, {} input {}x{}{}; {})", device, model.info.name(),
          model.info.format().id(), model.inputName, model.info.inputWidth(), model.info.inputHeight(),
          model.maxBatch > 1 ? ", dynamic batch" : "", model.layout.why());
      return model;
    } catch (RuntimeException | OrtException e) {
      try {
        session.close();
      } catch (OrtException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof ModelException m) {
        throw m;
      }
      throw new ModelException("FW-201", path, "cannot prepare the model: " + oneLine(e.getMessage()), e);
    }
  }

  private static LoadedModel configure(ModelSpec spec, OrtSession session, String device, int threads) throws OrtException {
    Path path = spec.path();
    Map<String, NodeInfo> inputs = session.getInputInfo();
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    Map<String, String> metadata = session.getMetadata().getCustomMetadata();
    if (inputs.size() != 1) {
      throw layoutError(path, "expected one image input [1,3,H,W], found " + inputs.size(), inputs, outputs);
    }
    Map.Entry<String, NodeInfo> input = inputs.entrySet().iterator().next();
    if (!(input.getValue().getInfo() instanceof TensorInfo in) || in.type != OnnxJavaType.FLOAT
        || in.getShape().length != 4 || (in.getShape()[1] != 3 && in.getShape()[1] > 0)) {
      throw layoutError(path, "the input is not a float image tensor [N,3,H,W]", inputs, outputs);
    }
    long[] inShape = in.getShape();
    int[] size = inputSize(spec, inShape, metadata, inputs, outputs);
    int width = size[0];
    int height = size[1];

    List<ModelLayout.Output> outs = new ArrayList<>();
    Map<String, long[]> shapes = new HashMap<>();
    for (Map.Entry<String, NodeInfo> o : outputs.entrySet()) {
      if (!(o.getValue().getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
        throw layoutError(path, "output " + o.getKey() + " is not a float tensor", inputs, outputs);
      }
      outs.add(new ModelLayout.Output(o.getKey(), t.getShape()));
      shapes.put(o.getKey(), t.getShape());
    }
    ModelLayout layout;
    try {
      layout = ModelLayout.detect(spec.format(), outs, metadata, width, height);
    } catch (IllegalArgumentException e) {
      throw layoutError(path, e.getMessage(), inputs, outputs);
    }
    List<String> labels = labels(spec, metadata);
    if (!labels.isEmpty() && layout.classes() > 0 && labels.size() < layout.classes()) {
      Path source = spec.labels().isEmpty() && spec.labelsFile() != null ? spec.labelsFile() : path;
      throw new ModelException("FW-208", path, "the model outputs " + layout.classes() + " classes but "
          + (!spec.labels().isEmpty() ? "the labels given name " : spec.labelsFile() != null ? "the labels file " + source + " names "
          : "its metadata names ") + labels.size() + ": detections of classes " + labels.size() + ".." + (layout.classes() - 1)
          + " would have no label", null);
    }
    if (!labels.isEmpty() && layout.classes() > 0 && labels.size() > layout.classes()) {
      LOG.warn("{}: {} labels for {} classes; the last {} label(s) are never used", path, labels.size(), layout.classes(),
          labels.size() - layout.classes());
    }
    ModelInfo info = new ModelInfo(spec.displayName(), layout.format(), width, height, labels);
    int maxBatch = inShape[0] < 0 ? MAX_BATCH : 1;
    return new LoadedModel(path, session, input.getKey(), layout, info, maxBatch, device, threads, shapes);
  }

  private static int[] inputSize(ModelSpec spec, long[] shape, Map<String, String> metadata,
      Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    long h = shape[2];
    long w = shape[3];
    if (h > 0 && w > 0) {
      if (spec.inputWidth() > 0 && (spec.inputWidth() != w || spec.inputHeight() != h)) {
        throw layoutError(spec.path(), "the model's input is fixed at " + w + "x" + h + "; inputSize "
            + spec.inputWidth() + "x" + spec.inputHeight() + " cannot be used", inputs, outputs);
      }
      return new int[] {(int) w, (int) h};
    }
    if (spec.inputWidth() > 0) {
      return new int[] {spec.inputWidth(), spec.inputHeight()};
    }
    String imgsz = metadata.get("imgsz");
    if (imgsz != null) {
      List<Integer> n = new ArrayList<>();
      Matcher m = INTS.matcher(imgsz);
      while (m.find()) {
        n.add(Integer.parseInt(m.group()));
      }
      if (n.size() == 1) {
        return new int[] {n.get(0), n.get(0)};
      }
      if (n.size() == 2) {
        return new int[] {n.get(1), n.get(0)}; // Ultralytics writes [height, width]
      }
    }
    LOG.warn("{}: dynamic input size and no imgsz metadata; using {}x{} (set ModelSpec.inputSize to change it)",
        spec.path(), DEFAULT_INPUT, DEFAULT_INPUT);
    return new int[] {DEFAULT_INPUT, DEFAULT_INPUT};
  }

  static List<String> labels(ModelSpec spec, Map<String, String> metadata) {
    if (!spec.labels().isEmpty()) {
      return spec.labels();
    }
    Path file = spec.labelsFile();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new ModelException("FW-203", file, Files.exists(file) ? "labels file is not a regular file" : "no such labels file", null);
      }
      try {
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
          lines.set(0, lines.get(0).substring(1)); // a UTF-8 byte order mark is not part of the first label
        }
        lines.replaceAll(String::strip);
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
          lines.remove(lines.size() - 1);
        }
        if (lines.isEmpty()) {
          throw new ModelException("FW-203", file, "labels file has no labels", null);
        }
        return lines;
      } catch (java.nio.charset.CharacterCodingException e) {
        throw new ModelException("FW-203", file, "the labels file is not UTF-8 text: save it as UTF-8, "
            + "one class name per line", e);
      } catch (IOException e) {
        throw new ModelException("FW-203", file, "cannot read the labels file: " + e.getMessage(), e);
      }
    }
    String names = metadata.get("names");
    if (names != null) {
      return parseNames(names);
    }
    return List.of();
  }

  /** Parses Ultralytics' {@code names} metadata, a Python dict such as {@code {0: 'person', 1: 'bicycle'}}. */
  static List<String> parseNames(String names) {
    Map<Integer, String> byId = new java.util.TreeMap<>();
    Matcher m = NAME_ENTRY.matcher(names);
    while (m.find()) {
      byId.put(Integer.parseInt(m.group(1)), m.group(3).replace("\\'", "'").replace("\\\"", "\""));
    }
    if (byId.isEmpty()) {
      return List.of();
    }
    int max = ((java.util.TreeMap<Integer, String>) byId).lastKey();
    List<String> labels = new ArrayList<>(max + 1);
    for (int i = 0; i <= max; i++) {
      labels.add(byId.getOrDefault(i, Integer.toString(i)));
    }
    return labels;
  }

  private static ModelException layoutError(Path path, String problem, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    return new ModelException("FW-202", path, "unrecognised model layout: " + problem
        + "; inputs " + describe(inputs) + ", outputs " + describe(outputs)
        + "; supported: " + Arrays.toString(Arrays.stream(ModelFormat.values()).filter(f -> f != ModelFormat.AUTO).map(ModelFormat::id).toArray()),
        null);
  }

  private static String describe(Map<String, NodeInfo> nodes) {
    Set<String> parts = new LinkedHashSet<>();
    for (Map.Entry<String, NodeInfo> e : nodes.entrySet()) {
      if (e.getValue().getInfo() instanceof TensorInfo t) {
        parts.add(e.getKey() + " " + t.type.toString().toLowerCase(java.util.Locale.ROOT) + Arrays.toString(t.getShape()));
      } else {
        parts.add(e.getKey() + " " + e.getValue().getInfo());
      }
    }
    return parts.toString();
  }

  private static String oneLine(@Nullable String s) {
    return s == null ? "(no message)" : s.replaceAll("\\s+", " ").trim();
  }

}
