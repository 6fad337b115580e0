package io.framewise.spi;

import io.framewise.ModelException;
import io.framewise.ModelSpec;
import java.io.IOException;

/**
 * Loads models. Selected by the name {@code framewise.model-adapter} / {@code FRAMEWISE_MODEL_ADAPTER}.
 *
 * @since 0.1
 */
public interface ModelAdapterProvider extends Provider {

  /**
   * Tells whether this provider can load the given model (for example by its file extension).
   *
   * @param spec the model
   * @return true when {@link #open} may succeed
   */
  default boolean supports(ModelSpec spec) {
    return true;
  }

  /**
   * Loads a model and resolves its family, input size and labels.
   *
   * @param spec the model and its overrides
   * @return an adapter ready to detect
   * @throws ModelException if the model is missing, invalid or of an unrecognised layout
   * @throws IOException if reading fails for another reason
   */
  ModelAdapter open(ModelSpec spec) throws IOException;

  /**
   * Loads a model for one of {@code workers} adapters that will run at the same time (segment
   * workers), so the provider can share the machine between them, for example by giving each CPU
   * session {@code cores / workers} threads.
   *
   * @param spec the model and its overrides
   * @param workers how many adapters of this model run concurrently, at least 1
   * @return an adapter ready to detect
   * @throws ModelException if the model is missing, invalid or of an unrecognised layout
   * @throws IOException if reading fails for another reason
   */
  default ModelAdapter open(ModelSpec spec, int workers) throws IOException {
    return open(spec);
  }

  /**
   * Loads a model for one of {@code workers} concurrent adapters of a job run by the detector whose
   * context is given: a provider that keeps loaded sessions keeps them in that context's
   * {@linkplain DetectorContext#resource resources}, so that closing the detector releases them, and
   * reads the device and thread settings from {@link DetectorContext#settings()}. The default ignores
   * the context.
   *
   * @param spec the model and its overrides
   * @param workers how many adapters of this model run concurrently, at least 1
   * @param context the detector's context
   * @return an adapter ready to detect
   * @throws ModelException if the model is missing, invalid or of an unrecognised layout
   * @throws IOException if reading fails for another reason
   * @since 0.3
   */
  default ModelAdapter open(ModelSpec spec, int workers, DetectorContext context) throws IOException {
    return open(spec, workers);
  }

  /**
   * Estimates, before loading, the peak memory loading the model takes (for example the parsed file
   * and the weights copied out of it, alive together), so that a job whose model cannot fit its
   * {@code maxHeap} is refused without loading it. Must be cheap (a file size, not a parse). The
   * default, 0, means unknown.
   *
   * @param spec the model
   * @return bytes, at least 0
   * @since 0.2
   */
  default long loadingBytes(ModelSpec spec) {
    return 0;
  }
}
