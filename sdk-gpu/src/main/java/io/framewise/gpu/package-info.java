/**
 * Framewise's model adapter on ONNX Runtime: CUDA when an NVIDIA GPU is usable, CPU otherwise.
 * {@link io.framewise.gpu.OnnxModelAdapterProvider} is the named default.
 */
@NullMarked
package io.framewise.gpu;

import org.jspecify.annotations.NullMarked;
