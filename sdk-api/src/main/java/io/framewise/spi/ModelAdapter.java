package io.framewise.spi;

import io.framewise.Detection;
import io.framewise.ModelInfo;
import java.io.IOException;
import java.util.List;

/**
 * Runs a detection model on frames: preprocessing, inference and decoding of the output back to
 * source-frame pixel coordinates.
 *
 * <h2>Thread safety</h2>
 * Not thread-safe: one job uses it from one thread.
 *
 * <h2>Lifecycle</h2>
 * Opened by {@link ModelAdapterProvider#open}; the engine closes it, which frees the model's native
 * (and GPU) memory.
 *
 * @since 0.1
 */
public interface ModelAdapter extends AutoCloseable {

  /**
   * Returns what was resolved about the model: family, input size, labels.
   *
   * @return the model's description
   */
  ModelInfo info();

  /**
   * Detects objects in one frame.
   *
   * @param frame the frame; its pixels are borrowed for the duration of the call
   * @param params score and overlap thresholds
   * @return detections best score first, boxes clipped to the frame
   * @throws IOException if inference fails
   */
  List<Detection> detect(VideoFrame frame, DetectionParams params) throws IOException;

  /**
   * Returns the size this adapter resizes a frame of the given video size to before inference (the
   * image inside the letterbox), so a decoder can deliver frames at that size directly.
   *
   * @param sourceWidth the video's frame width
   * @param sourceHeight the video's frame height
   * @return {@code {width, height}}, or null when the adapter wants full-size frames
   */
  default int @org.jspecify.annotations.Nullable [] frameSizeFor(int sourceWidth, int sourceHeight) {
    return null;
  }

  /**
   * Returns the most frames {@link #detectBatch} takes at once: above 1 only for models with a
   * dynamic batch dimension.
   *
   * @return 1 unless overridden
   */
  default int maxBatchSize() {
    return 1;
  }

  /**
   * Detects objects in several frames at once (one inference call where the model allows it).
   *
   * @param frames up to {@link #maxBatchSize()} frames, borrowed for the call
   * @param params score and overlap thresholds
   * @return one list per frame, in the same order
   * @throws IOException if inference fails
   */
  default List<List<Detection>> detectBatch(List<VideoFrame> frames, DetectionParams params) throws IOException {
    List<List<Detection>> all = new java.util.ArrayList<>(frames.size());
    for (VideoFrame f : frames) {
      all.add(detect(f, params));
    }
    return all;
  }

  /**
   * Tells how many CPU threads one inference call keeps busy, so the engine can leave the other cores
   * to decoding: the intra-op threads of a CPU session, 0 when the work runs on an accelerator. The
   * default, 1, suits a plain Java adapter.
   *
   * @return CPU threads per call, at least 0
   * @since 0.1
   */
  default int cpuThreads() {
    return 1;
  }

  /**
   * Estimates the memory the loaded model holds however many adapters share it, once loaded: its
   * weights as the runtime keeps them and the runtime's own state (the peak while loading is
   * {@link ModelAdapterProvider#loadingBytes}). The engine counts it once per loaded model against
   * the job's {@code maxHeap}. The default, 0, suits an adapter whose model is negligible.
   *
   * @return bytes, at least 0
   * @since 0.2
   */
  default long loadedBytes() {
    return 0;
  }

  /**
   * Estimates the memory one inference call at this batch size needs while it runs: input and output
   * tensors, the runtime's intermediate tensors (activations) and its arena's slack. The engine counts
   * it once per inference thread or segment worker. The default, -1, lets the engine estimate it from
   * the model's input size.
   *
   * @param batch frames per call, 1 to {@link #maxBatchSize()}
   * @return bytes, or -1 when the adapter cannot tell
   * @since 0.2
   */
  default long workingBytes(int batch) {
    return -1;
  }

  /** Frees the model. Idempotent. */
  @Override
  void close();

}
