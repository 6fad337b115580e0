package io.framewise.gpu;

import io.framewise.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
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
    return OnnxModelAdapter.open(spec, 1);
  }

  /**
   * Opens an adapter for one of {@code workers} concurrent ones: on the CPU each shares a session
   * with {@code max(1, cores / workers)} intra-op threads, so concurrent segment workers do not
   * oversubscribe the cores ({@code framewise.threads} overrides).
   */
  @Override
  public ModelAdapter open(ModelSpec spec, int workers) {
    return OnnxModelAdapter.open(spec, workers);
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
