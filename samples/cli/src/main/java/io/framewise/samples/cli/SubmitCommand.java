package io.framewise.samples.cli;

import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.ResizeMode;
import io.framewise.VideoDetector;
import io.framewise.distributed.coordinator.DistributedEngine;

import io.framewise.distributed.tasklog.TaskLog;
import io.framewise.distributed.tasklog.TaskLogSettings;
import io.framewise.spi.RemoteVideo;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code framewise submit VIDEO --model MODEL --bootstrap HOST:PORT --store DIR --out FILE}: one job across the workers. */
@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    versionProvider = FramewiseCli.Version.class,
    sortOptions = false,
    header = "Runs a detect job across workers (distributed mode) and writes the one JSON.",
    description = {
        "Indexes VIDEO, publishes one task per segment (--chunk-size, default 60s) through Kafka, merges the workers' "
            + "results from --store in frame order as they arrive and writes the JSON to --out, atomically: the same bytes "
            + "as detect with the same options. Results already in --store (an earlier submit of the same job that was "
            + "stopped) are reused. Needs running workers (framewise worker) on the same --bootstrap and --store.",
        "",
        "VIDEO is a local file that every worker reaches at the same path (a shared mount), or an http:// or https:// URI "
            + "(a pre-signed object-store URL, say) that this process and the workers read with HTTP range requests; "
            + "workers read remote input only when started with --inputs http or https. Messages never show the URI's "
            + "query or user information.",
        ""},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success: the JSON covers the whole video",
        "1:any other failure, such as Kafka that cannot be reached (FW-800)",
        "2:usage error, or an --out that cannot be used, refused before any work",
        "3:unreadable or invalid video, or an incomplete result (the JSON says complete:false; lost segments are FW-108)",
        "4:invalid model",
        "130:stopped by SIGINT (Ctrl-C): nothing is written; stored results are kept for the next submit",
        "143:stopped by SIGTERM, likewise"})
final class SubmitCommand extends JobCommand {

  @Parameters(index = "0", paramLabel = "VIDEO",
      description = "The video file (every worker must reach it at the same path), or an http:// or https:// URI.")
  String video;

  @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL.onnx",
      description = "The ONNX detector; every worker must have the same file at the same path.")
  Path model;

  @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka's bootstrap servers.")
  String bootstrap;

  @Option(names = "--store", required = true, paramLabel = "DIR", description = "The result store the workers use.")
  Path store;

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE",
      description = "Write the JSON to FILE, atomically (as detect --out).")
  Path outFile;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto", converter = DetectCommand.FormatConverter.class,
      completionCandidates = DetectCommand.FormatIds.class,
      description = "Output layout of the model: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  ModelFormat format;

  @Option(names = "--labels", paramLabel = "FILE", description = "Class names, one per line (as detect).")
  @Nullable Path labels;

  @Option(names = "--resize", paramLabel = "MODE", defaultValue = "opencv", converter = DetectCommand.ResizeConverter.class,
      description = "opencv or fast (as detect; default: ${DEFAULT-VALUE}).")
  ResizeMode resize;

  @Option(names = "--conf", paramLabel = "SCORE", defaultValue = "0.25", description = "Minimum score, 0..1 (default: ${DEFAULT-VALUE}).")
  double confidence;

  @Option(names = "--iou", paramLabel = "IOU", defaultValue = "0.45", description = "NMS overlap, 0..1 (default: ${DEFAULT-VALUE}).")
  double iou;

  @Option(names = "--chunk-size", paramLabel = "SIZE", converter = DetectCommand.ChunkSizeConverter.class,
      description = "Segment (task) size: a data size (512MiB) or a duration (60s, 10m), as detect. Default: 60s.")
  DetectCommand.@Nullable ChunkSize chunkSize;

  @Option(names = "--stride", paramLabel = "N", description = "Process every N-th frame only (as detect).")
  @Nullable Integer stride;

  @Option(names = "--keyframes-only", description = "Key frames only (as detect).")
  boolean keyframesOnly;

  @Override
  int execute() throws Exception {
    if (!(confidence >= 0 && confidence <= 1)) {
      throw usage("Invalid value for option '--conf': must be in [0, 1], was " + confidence);
    }
    if (!(iou >= 0 && iou <= 1)) {
      throw usage("Invalid value for option '--iou': must be in [0, 1], was " + iou);
    }
    if (stride != null && stride < 1) {
      throw usage("Invalid value for option '--stride': must be at least 1, was " + stride);
    }
    URI remote = remoteUri(video);
    Path local = null;
    if (remote == null) {
      try {
        local = Path.of(video).toAbsolutePath();
      } catch (java.nio.file.InvalidPathException e) {
        throw usage("Invalid value for parameter 'VIDEO': " + e.getMessage());
      }
    }
    DistributedEngine engine = DistributedEngine.onStore(new TaskLog(TaskLogSettings.of(bootstrap)), store);
    VideoDetector.Builder builder = VideoDetector.builder().engine(engine);
    if (remote != null) {
      builder.remoteInput(remote.getScheme().toLowerCase(Locale.ROOT));
    }
    try (VideoDetector detector = builder.build()) {
      return run(detector, remote, local);
    }
  }

  /**
   * VIDEO as a remote URI when it starts with {@code http://} or {@code https://} (any case), else null:
   * a local path. An invalid URI is a usage error that does not show the URI (it may hold credentials).
   */
  private @Nullable URI remoteUri(String arg) {
    String lower = arg.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      return null;
    }
    try {
      URI uri = new URI(arg);
      if (uri.getHost() == null) {
        throw usage("Invalid value for parameter 'VIDEO': " + RemoteVideo.redact(uri) + " has no host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw usage("Invalid value for parameter 'VIDEO': not a valid " + arg.substring(0, arg.indexOf(':')) + " URI ("
          + e.getReason() + " at index " + e.getIndex() + ")");
    }
  }

  private int run(VideoDetector detector, @Nullable URI remote, @Nullable Path local) {
    ModelSpec.Builder spec = ModelSpec.builder(model.toAbsolutePath()).format(format).resize(resize);
    if (labels != null) {
      spec.labelsFile(labels.toAbsolutePath());
    }
    DetectionJob job = remote != null ? detector.newJob(remote) : detector.newJob(java.util.Objects.requireNonNull(local));
    job.model(spec.build()).confidence(confidence).iou(iou);
    if (chunkSize != null) {
      chunkSize.applyTo(job);
    } else {
      job.chunkSize(Duration.ofSeconds(60));
    }
    if (stride != null) {
      job.frameStride(stride);
    }
    if (keyframesOnly) {
      job.keyframesOnly();
    }
    long started = System.nanoTime();
    DetectionSummary summary;
    String shown = remote != null ? RemoteVideo.redact(remote) : video;
    try (SignalStop stop = SignalStop.register(job, shown + "; " + outFile + " was not written", err, this::endProgressLine)) {
      summary = job.writeJson(outFile);
    }
    String name = remote != null ? new RemoteVideo(remote, Set.of(remote.getScheme().toLowerCase(Locale.ROOT))).fileName()
        : String.valueOf(java.util.Objects.requireNonNull(local).getFileName());
    printSummary(name, summary, System.nanoTime() - started, outFile.toString());
    return summary.complete() ? FramewiseCli.OK : FramewiseCli.MEDIA;
  }
}
