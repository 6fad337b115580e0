package io.framewise.gpu;

import io.framewise.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import io.framewise.spi.DetectorContext;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.ModelAdapterProvider;

/**
 * The default model adapter: ONNX Runtime with the families of {@link io.framewise.ModelFormat},
 * CUDA when an NVIDIA GPU is usable and CPU otherwise (one INFO log line says which and why).
 *
 * <h2>Thread safety</h2>
 * Stateless and thread-safe; each adapter it opens is for one thread.
 *
 * @since 0.1
 */
public final class OnnxModelAdapterProvider implements ModelAdapterProvider {

  /** Creates the provider; loads no native code until {@link #open}. */
  public OnnxModelAdapterProvider() {}

  @Override
  public String name() {
    return "onnxruntime";
  }

  @Override
  public ModelAdapter open(ModelSpec spec) {
    return OnnxModelAdapter.open(spec, 1, DetectorContext.shared());
  }

  /**
   * Opens an adapter for one of {@code workers} concurrent ones: on the CPU each shares a session
   * with {@code max(1, cores / workers)} intra-op threads, so concurrent segment workers do not
   * oversubscribe the cores ({@code framewise.threads} overrides). Sessions are kept by the shared
   * (process-wide) context; a detector's jobs use {@link #open(ModelSpec, int, DetectorContext)}.
   */
  @Override
  public ModelAdapter open(ModelSpec spec, int workers) {
    return OnnxModelAdapter.open(spec, workers, DetectorContext.shared());
  }

  /**
   * Opens an adapter whose session the detector of {@code context} owns: kept in its model cache
   * (bounded, released after its idle timeout and when the detector closes), loaded on the device and
   * with the intra-op threads of its settings.
   */
  @Override
  public ModelAdapter open(ModelSpec spec, int workers, DetectorContext context) {
    return OnnxModelAdapter.open(spec, workers, context);
  }

  /** From the model file's size (0 when it cannot be read: loading will say why). */
  @Override
  public long loadingBytes(ModelSpec spec) {
    try {
      return Files.isRegularFile(spec.path()) ? LoadedModel.loadingBytes(Files.size(spec.path())) : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
