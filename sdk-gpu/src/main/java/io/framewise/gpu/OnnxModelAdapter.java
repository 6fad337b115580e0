package io.framewise.gpu;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framewise.BoundingBox;
import io.framewise.Detection;
import io.framewise.ModelException;
import io.framewise.ModelFormat;
import io.framewise.ModelInfo;
import io.framewise.ModelSpec;
import io.framewise.spi.DetectorContext;
import io.framewise.ResizeMode;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.VideoFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One job's (or one segment worker's) use of a shared {@link LoadedModel}: its own input buffer and
 * resizer, so several adapters run the same session concurrently.
 */
final class OnnxModelAdapter implements ModelAdapter {

  private final LoadedModel model;
  private final ImageResizer resizer;
  private final int plane;
  private final ResizeMode resize;
  private FloatBuffer input;
  private int inputFrames;
  /** Per batch slot of {@code input}: the geometry whose padding the slot holds. */
  private Preprocessing.Geometry[] slotGeometry = new Preprocessing.Geometry[0];
  /** The input tensor over {@code input} and, where the model's output shapes allow, output tensors over our own buffers. */
  private @Nullable OnnxTensor inputTensor;
  private Map<String, OnnxTensor> outputTensors = Map.of();
  private int tensorFrames;
  private boolean closed;

  private OnnxModelAdapter(LoadedModel model, ResizeMode resize) {
    this.model = model;
    this.resize = resize;
    ModelInfo info = model.info;
    this.resizer = new ImageResizer(Preprocessing.of(model.layout.format()), info.inputWidth(), info.inputHeight());
    this.plane = 3 * info.inputWidth() * info.inputHeight();
  }

  static OnnxModelAdapter open(ModelSpec spec, int workers) {
    return open(spec, workers, DetectorContext.shared());
  }

  static OnnxModelAdapter open(ModelSpec spec, int workers, DetectorContext context) {
    LoadedModel.environment(context); // on the detector's threads when it has its own (see LoadedModel.environment)
    ModelCache cache = ModelCache.of(context);
    return new OnnxModelAdapter(cache.acquire(spec, cache.threadsFor(workers)), spec.resize());
  }

  @Override
  public ModelInfo info() {
    return model.info;
  }

  /**
   * With {@link ResizeMode#FAST}, frames the model shrinks are scaled by the decoder, in the pass that
   * converts them from YUV (on a 768x432 frame for a 416x416 model that pass costs ~0.15 core-ms more
   * than the plain conversion, the resize here ~1.1). Frames the model enlarges, and every frame with
   * {@link ResizeMode#OPENCV} (the default), are resized here with OpenCV's {@code INTER_LINEAR} arithmetic.
   */
  @Override
  public int @Nullable [] frameSizeFor(int sourceWidth, int sourceHeight) {
    if (resize != ResizeMode.FAST) {
      return null;
    }
    Preprocessing.Geometry g = resizer.geometryFor(sourceWidth, sourceHeight);
    boolean shrinks = g.width() <= sourceWidth && g.height() <= sourceHeight
        && (g.width() < sourceWidth || g.height() < sourceHeight);
    return shrinks ? new int[] {g.width(), g.height()} : null;
  }

  @Override
  public int cpuThreads() {
    return model.cpuThreads;
  }

  @Override
  public long loadedBytes() {
    return LoadedModel.loadedBytes(model.fileBytes);
  }

  @Override
  public long workingBytes(int batch) {
    return model.workingBytes(batch);
  }

  @Override
  public int maxBatchSize() {
    return model.maxBatch;
  }

  @Override
  public List<Detection> detect(VideoFrame frame, DetectionParams params) throws IOException {
    return detectBatch(List.of(frame), params).get(0);
  }

  @Override
  public List<List<Detection>> detectBatch(List<VideoFrame> frames, DetectionParams params) throws IOException {
    if (closed) {
      throw new IllegalStateException("model adapter is closed");
    }
    int n = frames.size();
    if (n < 1 || n > model.maxBatch) {
      throw new IllegalArgumentException("batch of " + n + " frames; this model takes 1 to " + model.maxBatch);
    }
    if (input == null || inputFrames < n) {
      input = ByteBuffer.allocateDirect(n * plane * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
      inputFrames = n;
      tensorFrames = 0;
      slotGeometry = new Preprocessing.Geometry[n];
    }
    for (int i = 0; i < n; i++) {
      // A slot's padding stays from its last frame of the same geometry: only the image rows are written.
      slotGeometry[i] = resizer.apply(frames.get(i), input, i * plane, slotGeometry[i]);
    }
    ModelInfo info = model.info;
    List<List<Candidate>> candidates = new ArrayList<>(n);
    float conf = (float) params.confidence();
    try {
      tensorsFor(n);
      // With our own output buffers ONNX Runtime writes straight into them: no copy and no garbage per frame.
      try (OrtSession.Result result = outputTensors.isEmpty()
          ? model.session.run(Map.of(model.inputName, inputTensor), model.outputNames)
          : model.session.run(Map.of(model.inputName, inputTensor), outputTensors)) {
        decode(result, frames, conf, candidates);
      }
    } catch (OrtException e) {
      throw new IOException("ONNX Runtime failed: " + String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim(), e);
    }
    List<List<Detection>> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      all.add(toDetections(candidates.get(i), slotGeometry[i], params));
    }
    return all;
  }

  /** (Re)creates the input tensor, and the output tensors where the shapes are known, for a batch of {@code n}. */
  private void tensorsFor(int n) throws OrtException {
    if (tensorFrames == n) {
      return;
    }
    closeTensors();
    ModelInfo info = model.info;
    FloatBuffer in = input.duplicate();
    in.limit(n * plane);
    inputTensor = OnnxTensor.createTensor(LoadedModel.environment(), in.slice(), new long[] {n, 3, info.inputHeight(), info.inputWidth()});
    Map<String, OnnxTensor> outputs = new HashMap<>();
    for (Map.Entry<String, long[]> e : model.fixedOutputShapes.entrySet()) {
      long[] shape = e.getValue().clone();
      shape[0] = n;
      long count = 1;
      for (long d : shape) {
        count *= d;
      }
      FloatBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(count * Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
      outputs.put(e.getKey(), OnnxTensor.createTensor(LoadedModel.environment(), buffer, shape));
    }
    outputTensors = Map.copyOf(outputs);
    tensorFrames = n;
  }

  private void closeTensors() {
    if (inputTensor != null) {
      inputTensor.close();
      inputTensor = null;
    }
    outputTensors.values().forEach(OnnxTensor::close);
    outputTensors = Map.of();
    tensorFrames = 0;
  }

  /** An output: our own tensor when we gave ONNX Runtime one, else the result's. */
  private OnnxTensor output(OrtSession.Result result, String name) {
    OnnxTensor own = outputTensors.get(name);
    return own != null ? own : (OnnxTensor) result.get(name).orElseThrow();
  }

  /** An output's values: a view of our own buffer, else a copy out of ONNX Runtime. */
  private static FloatBuffer data(OnnxTensor tensor) {
    return tensor.getBufferRef().map(b -> ((FloatBuffer) b).duplicate().clear()).orElseGet(tensor::getFloatBuffer);
  }

  private void decode(OrtSession.Result result, List<VideoFrame> frames, float conf, List<List<Candidate>> candidates) throws OrtException {
    ModelInfo info = model.info;
    int n = frames.size();
    OnnxTensor out = output(result, model.layout.output());
    long[] shape = out.getInfo().getShape();
    FloatBuffer data = data(out);
    int per = data.capacity() / n;
    FloatBuffer boxes = null;
    int perBox = 0;
    if (model.layout.format() == ModelFormat.SSD) {
      boxes = data(output(result, model.layout.boxesOutput()));
      perBox = boxes.capacity() / n;
    }
    for (int i = 0; i < n; i++) {
      FloatBuffer one = data.slice(i * per, per);
      try {
        candidates.add(checkClasses(decodeOne(one, boxes == null ? null : boxes.slice(i * perBox, perBox), shape, conf)));
      } catch (BadOutput e) {
        throw badOutput(e, frames.get(i));
      }
    }
  }

  private List<Candidate> decodeOne(FloatBuffer one, @Nullable FloatBuffer boxes, long[] shape, float conf) {
    ModelInfo info = model.info;
    return switch (model.layout.format()) {
      case YOLOV8 -> OutputDecoder.yolov8(one, model.layout.classes(), (int) shape[2], conf);
      case YOLOV5 -> OutputDecoder.yolov5(one, model.layout.classes(), (int) shape[1], conf);
      case YOLOX -> OutputDecoder.yolox(one, model.layout.classes(), info.inputWidth(), info.inputHeight(), conf);
      case END2END -> OutputDecoder.end2end(one, (int) shape[1], conf);
      case SSD -> OutputDecoder.ssd(one, boxes, (int) shape[2], (int) shape[1], info.inputWidth(), info.inputHeight(), conf);
      case AUTO -> throw new AssertionError();
    };
  }

  /**
   * Refuses a candidate whose class has no label when the model has labels (only end-to-end models
   * can get here: for the other families the load refuses fewer labels than classes).
   */
  private List<Candidate> checkClasses(List<Candidate> found) {
    int labels = model.info.labels().size();
    if (labels > 0) {
      for (Candidate c : found) {
        if (c.classId() >= labels) {
          throw new BadOutput(BadOutput.CLASS_OUT_OF_RANGE, "a detection (score " + c.score() + ") has class " + c.classId()
              + ", beyond the model's " + labels + " label(s) (ids 0.." + (labels - 1) + ")");
        }
      }
    }
    return found;
  }

  /** The typed error for a value no working detector outputs, naming the model file and the frame. */
  private ModelException badOutput(BadOutput e, VideoFrame frame) {
    String where = frame.index() >= 0
        ? "frame " + frame.index() + " (" + String.format(java.util.Locale.ROOT, "%.1f", frame.ptsMs()) + " ms)"
        : "the frame at " + String.format(java.util.Locale.ROOT, "%.1f", frame.ptsMs()) + " ms";
    String what = switch (e.code) {
      case BadOutput.NOT_FINITE -> "an output that is not a finite number";
      case BadOutput.SCORE_ABOVE_ONE -> "a score above 1";
      default -> "a class id out of range";
    };
    return new ModelException(e.code, model.path, "model " + model.info.name() + " gave " + what + " on " + where
        + ": output '" + model.layout.output() + "' " + e.getMessage(), null);
  }

  private List<Detection> toDetections(List<Candidate> candidates, Preprocessing.Geometry g, DetectionParams params) {
    List<Candidate> kept;
    if (model.layout.format() == ModelFormat.END2END) {
      Nms.sort(candidates);
      kept = candidates.size() > Nms.MAX_DETECTIONS ? candidates.subList(0, Nms.MAX_DETECTIONS) : candidates;
    } else {
      kept = Nms.suppress(candidates, params.iou());
    }
    ModelInfo info = model.info;
    List<Detection> detections = new ArrayList<>(kept.size());
    for (Candidate c : kept) {
      double x1 = g.toSourceX(c.x1());
      double y1 = g.toSourceY(c.y1());
      double x2 = g.toSourceX(c.x2());
      double y2 = g.toSourceY(c.y2());
      if (x2 <= x1 || y2 <= y1) {
        continue; // entirely in the padding, or degenerate
      }
      // The decoder refused scores that are not finite or above 1; candidates reached the threshold (>= 0).
      detections.add(new Detection(c.classId(), info.label(c.classId()), c.score(), new BoundingBox(x1, y1, x2, y2)));
    }
    return detections;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      closeTensors();
      model.release();
    }
  }
}
