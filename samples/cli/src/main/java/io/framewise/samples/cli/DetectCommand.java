package io.framewise.samples.cli;

import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code framewise detect VIDEO --model MODEL.onnx [...]}: writes the JSON for one video. */
@Command(
    name = "detect",
    mixinStandardHelpOptions = true,
    versionProvider = FramewiseCli.Version.class,
    sortOptions = false,
    header = "Detects objects in a video and writes the JSON (to stdout or --out).",
    description = {
        "Runs an ONNX object detector over every frame of VIDEO and writes one JSON document. "
            + "Progress is shown on stderr when running in a terminal; a one-line summary always is."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success: the JSON covers the whole video",
        "1:any other failure",
        "2:usage error",
        "3:unreadable or invalid video, or an incomplete result (the JSON says complete:false)",
        "4:invalid model"})
final class DetectCommand extends JobCommand {

  @Parameters(index = "0", paramLabel = "VIDEO", description = "The video file (anything FFmpeg reads).")
  Path video;

  @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL.onnx", description = "The ONNX detector.")
  Path model;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto", converter = FormatConverter.class,
      completionCandidates = FormatIds.class,
      description = "Output layout of the model: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  ModelFormat format;

  @Option(names = "--labels", paramLabel = "FILE",
      description = "Class names, one per line (default: the model's metadata, else class ids).")
  @Nullable Path labels;

  @Option(names = "--conf", paramLabel = "SCORE", defaultValue = "0.25",
      description = "Minimum score of a reported detection, 0..1 (default: ${DEFAULT-VALUE}).")
  double confidence;

  @Option(names = "--iou", paramLabel = "IOU", defaultValue = "0.45",
      description = "Overlap above which NMS drops the weaker of two same-class boxes, 0..1 (default: ${DEFAULT-VALUE}).")
  double iou;

  @Option(names = {"-o", "--out"}, paramLabel = "FILE",
      description = "Write the JSON to FILE, atomically: a failed run leaves no file (default: stdout).")
  @Nullable Path outFile;

  @Override
  int execute() throws java.io.IOException {
    checkUnit("--conf", confidence);
    checkUnit("--iou", iou);
    ModelSpec.Builder spec = ModelSpec.builder(model).format(format);
    if (labels != null) {
      spec.labelsFile(labels);
    }
    DetectionJob job = VideoDetector.open(video).model(spec.build()).confidence(confidence).iou(iou);
    withProgress(job);
    long started = System.nanoTime();
    DetectionSummary summary;
    String destination;
    if (outFile != null) {
      summary = job.writeJson(prepareOutput(outFile));
      destination = outFile.toString();
    } else {
      summary = writeToStdout(job);
      destination = "stdout";
    }
    long nanos = System.nanoTime() - started;
    endProgressLine();
    printSummary(String.valueOf(video.getFileName()), summary, nanos, destination);
    return summary.complete() ? FramewiseCli.OK : FramewiseCli.MEDIA;
  }

  /** Streams the JSON to stdout through a buffer; flushes it, never closes stdout. */
  private DetectionSummary writeToStdout(DetectionJob job) {
    BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
    DetectionSummary summary;
    try {
      summary = job.writeJson(buffered);
    } finally {
      try {
        buffered.flush(); // also what a failed job wrote: the document then stays unterminated
      } catch (IOException e) {
        // PrintStream never throws; checked below on success
      }
    }
    if (out.checkError()) {
      throw new UncheckedIOException("cannot write the JSON to standard output",
          new IOException("the stream reported an error"));
    }
    return summary;
  }

  private void checkUnit(String option, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw usage("Invalid value for option '" + option + "': must be in [0, 1], was " + value);
    }
  }

  /** Parses {@code --format} with the SDK's own names (case-insensitive). */
  static final class FormatConverter implements ITypeConverter<ModelFormat> {
    @Override
    public ModelFormat convert(String value) {
      try {
        return ModelFormat.fromId(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** The {@code --format} names, for the help text and shell completion. */
  static final class FormatIds implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(ModelFormat.values()).map(ModelFormat::id).iterator();
    }
  }
}
