/**
 * Framewise's engine, FFmpeg decoder and streaming JSON writer, registered as services. The exported
 * package holds only the named defaults ({@code FfmpegDecoderProvider}, {@code JsonResultWriterProvider},
 * {@code DefaultDetectionEngine}) that a {@code VideoDetector.Builder} may be given explicitly; everything
 * else lives in packages by concern that the module does not export: {@code .ffmpeg} (opening and indexing
 * inputs, decoding), {@code .json} (the result document), {@code .plan} (memory budget, index cache),
 * {@code .pipeline} (frames through the model), {@code .store} (spill files, checkpoints, the result store), {@code .task} (the unit of
 * work: segment tasks, their planner and runner), {@code .merge} (the one merger of results) and
 * {@code .run} (the local runs). {@code .task}, {@code .store} and {@code .merge} are exported for
 * runners outside this module (the distributed mode), as an internal API.
 *
 * <p>FFmpeg's natives come from {@code org.bytedeco:ffmpeg} and {@code org.bytedeco:javacpp} with the
 * platform's classifier, modules {@code org.bytedeco.ffmpeg.<platform>} and
 * {@code org.bytedeco.javacpp.<platform>}: on the module path add them with {@code --add-modules}.
 */
module io.framewise.core {
  requires transitive io.framewise;
  requires org.bytedeco.javacpp;
  requires org.bytedeco.ffmpeg;
  requires com.fasterxml.jackson.core;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires static org.jspecify;

  exports io.framewise.core;
  // The unit of work, for runners outside this module (the distributed mode): tasks, their runner and
  // planner, the result store and the merger. Internal API: it changes with Framewise's versions.
  exports io.framewise.core.task;
  exports io.framewise.core.store;
  exports io.framewise.core.merge;

  provides io.framewise.spi.VideoDecoderProvider with io.framewise.core.FfmpegDecoderProvider;
  provides io.framewise.spi.ResultWriterProvider with io.framewise.core.JsonResultWriterProvider;
  provides io.framewise.spi.DetectionEngine with io.framewise.core.DefaultDetectionEngine;
}
