package io.framewise.gpu;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framewise.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Chooses where ONNX Runtime runs: CUDA when an NVIDIA GPU is usable, CPU otherwise. The choice is
 * made per session and described in one line for the log. The detector's
 * {@link io.framewise.spi.DetectorSettings#device() device} setting (builder {@code device(...)}, whose
 * default is {@code framewise.device} or {@code FRAMEWISE_DEVICE}) forces {@code cpu} or {@code gpu}; the
 * default is {@code auto}.
 */
final class ExecutionDevice {

  private ExecutionDevice() {}

  /** Adds the CUDA provider when wanted and possible; returns which device runs and why. */
  static String configure(OrtSession.SessionOptions options, Path model, String wanted) {
    if (!wanted.equals("auto") && !wanted.equals("cpu") && !wanted.startsWith("gpu")) {
      throw new IllegalArgumentException("framewise.device must be auto, cpu, gpu or gpu:N, was '" + wanted + "'");
    }
    if (wanted.equals("cpu")) {
      return "CPU (device cpu requested)";
    }
    int deviceId = wanted.startsWith("gpu:") ? Integer.parseInt(wanted.substring(4)) : 0;
    boolean driver = Files.exists(Path.of("/proc/driver/nvidia/version")) || Files.exists(Path.of("/dev/nvidia0"))
        || System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    if (!driver && wanted.equals("auto")) {
      return "CPU (no NVIDIA driver found: /proc/driver/nvidia/version is missing)";
    }
    try {
      OnnxNatives.prepareProvider("onnxruntime_providers_cuda"); // into the native cache, once per version
      options.addCUDA(deviceId);
      return "CUDA device " + deviceId;
    } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
      if (wanted.startsWith("gpu")) {
        throw new ModelException("FW-205", model, "a GPU was requested (device " + wanted + ", from the detector's device(...) or framewise.device"
            + ") but the CUDA provider cannot start: " + e.getMessage(), e);
      }
      return "CPU (CUDA provider failed to start: " + e.getMessage() + ")";
    }
  }
}
