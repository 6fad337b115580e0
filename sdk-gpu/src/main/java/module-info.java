/**
 * Framewise's model adapter on ONNX Runtime, registered as a service. The exported package holds only
 * {@code OnnxModelAdapterProvider}, the named default; everything else in it is package-private.
 * ONNX Runtime's jar (CPU {@code onnxruntime} or GPU {@code onnxruntime_gpu}) is the automatic module
 * {@code com.microsoft.onnxruntime}.
 */
@SuppressWarnings("requires-automatic")
module io.framewise.gpu {
  requires transitive io.framewise;
  requires com.microsoft.onnxruntime;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires static org.jspecify;

  exports io.framewise.gpu;

  provides io.framewise.spi.ModelAdapterProvider with io.framewise.gpu.OnnxModelAdapterProvider;
}
