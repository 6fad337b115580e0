package io.framewise.samples.cli;

import io.framewise.DataSize;
import io.framewise.DetectionJob;
import io.framewise.DetectionSummary;
import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.ResizeMode;
import io.framewise.VideoDetector;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        "Runs an ONNX object detector over the frames of VIDEO (every frame, or a sample with --stride or "
            + "--keyframes-only) and writes one JSON document. "
            + "Progress is shown on stderr when running in a terminal; a one-line summary always is.",
        "",
        "Large videos: --chunk-size splits the video into keyframe-aligned segments that are decoded in parallel "
            + "(--parallelism) and glued back in frame order; the JSON is byte-identical whatever the chunk size "
            + "and parallelism. With --checkpoint-dir, completed segments are journaled so that a run that was "
            + "killed resumes where it stopped when started again with the same arguments; the journal is "
            + "deleted when the run succeeds, and discarded (with a warning) when the video or the settings "
            + "changed. --max-heap bounds the job's peak memory, heap and native: a job that cannot fit fails at once "
            + "(exit 1) saying what to change.",
        ""},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success: the JSON covers the whole video",
        "1:any other failure, such as a job that does not fit in --max-heap (the message says what to change)",
        "2:usage error, or an --out that cannot be used (one of the inputs, a directory, ...), refused before any work",
        "3:unreadable or invalid video, or an incomplete result (the JSON says complete:false)",
        "4:invalid model",
        "130:stopped by SIGINT (Ctrl-C): the job is cancelled and leaves no partial file",
        "143:stopped by SIGTERM, likewise"})
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

  @Option(names = "--resize", paramLabel = "MODE", defaultValue = "opencv", converter = ResizeConverter.class,
      description = "How frames are brought to the model's input: opencv (like OpenCV's INTER_LINEAR, to the bit: "
          + "the results of an OpenCV pipeline) or fast (the decoder shrinks frames while converting them: "
          + "cheaper, about 1-2 %% of the boxes differ). Default: ${DEFAULT-VALUE}.")
  ResizeMode resize;

  @Option(names = "--conf", paramLabel = "SCORE", defaultValue = "0.25",
      description = "Minimum score of a reported detection, 0..1 (default: ${DEFAULT-VALUE}).")
  double confidence;

  @Option(names = "--iou", paramLabel = "IOU", defaultValue = "0.45",
      description = "Overlap above which NMS drops the weaker of two same-class boxes, 0..1 (default: ${DEFAULT-VALUE}).")
  double iou;

  @Option(names = {"-o", "--out"}, paramLabel = "FILE",
      description = "Write the JSON to FILE, atomically: a failed run leaves no file (default, and '-': stdout; a file "
          + "named - is ./-). Missing folders "
          + "are created. Refused before any work (exit 2): one of the inputs (video, model, labels; by any path or "
          + "link), a file in --checkpoint-dir, a directory. A character device (/dev/null, /dev/stdout) or a FIFO "
          + "is written through, not replaced.")
  @Nullable Path outFile;

  @Option(names = "--chunk-size", paramLabel = "SIZE", converter = ChunkSizeConverter.class,
      description = "Split the video into keyframe-aligned segments of about SIZE: a data size (512MiB, 64KiB, 1GiB; "
          + "binary units, M = MiB) or a duration (500ms, 60s, 10m, 1h; a lower-case m is minutes). "
          + "Default: one segment, unless another option below needs segments.")
  @Nullable ChunkSize chunkSize;

  @Option(names = "--parallelism", paramLabel = "N",
      description = "With --chunk-size: segments decoded at once (default: one per core, within --max-heap). "
          + "Without: inference threads fed by one decoder (default: one per core, at most 4); 1 runs everything "
          + "on one thread.")
  @Nullable Integer parallelism;

  @Option(names = "--batch", paramLabel = "N",
      description = "Frames per inference call, for models with a dynamic batch dimension (default: derived).")
  @Nullable Integer batch;

  @Option(names = "--stride", paramLabel = "N",
      description = "Process every N-th frame only (frame ids 0, N, 2N, ...; ids stay true). Default: 1, every frame.")
  @Nullable Integer stride;

  @Option(names = "--keyframes-only",
      description = "Decode and process key frames only: a fast coarse scan of a huge file (ids stay true).")
  boolean keyframesOnly;

  @Option(names = "--max-heap", paramLabel = "SIZE", converter = DataSizeConverter.class,
      description = "Peak memory (heap and native: model, decoder, frames) the job may use, e.g. 512MiB or 2GiB "
          + "(default: the JVM's maximum heap).")
  @Nullable DataSize maxHeap;

  @Option(names = "--checkpoint-dir", paramLabel = "DIR",
      description = "Journal completed segments in DIR (created if missing), so that the same command run again "
          + "after a crash or kill resumes instead of starting over. Use it with --chunk-size: without one, the "
          + "whole video is a single segment.")
  @Nullable Path checkpointDir;

  @Override
  int execute() throws java.io.IOException {
    checkUnit("--conf", confidence);
    checkUnit("--iou", iou);
    checkAtLeastOne("--parallelism", parallelism);
    checkAtLeastOne("--batch", batch);
    checkAtLeastOne("--stride", stride);
    if (outFile != null && outFile.toString().equals("-")) {
      outFile = null; // the usual spelling of standard output, as in the help
    }
    ModelSpec.Builder spec = ModelSpec.builder(model).format(format).resize(resize);
    if (labels != null) {
      spec.labelsFile(labels);
    }
    DetectionJob job = VideoDetector.open(video).model(spec.build()).confidence(confidence).iou(iou);
    configurePipeline(job);
    withProgress(job);
    long started = System.nanoTime();
    DetectionSummary summary;
    String destination;
    String stopped = video + (outFile != null ? "; " + outFile + " was not written" : "; the JSON on stdout is unterminated");
    try (SignalStop stop = SignalStop.register(job, stopped, err, this::endProgressLine)) {
      if (outFile != null) {
        summary = job.writeJson(outFile);
        destination = outFile.toString();
      } else {
        summary = writeToStdout(job);
        destination = "stdout";
      }
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

  /** Applies the chunking, parallelism, sampling, memory and checkpoint options that were given. */
  private void configurePipeline(DetectionJob job) {
    if (chunkSize != null) {
      chunkSize.applyTo(job);
    }
    if (parallelism != null) {
      job.parallelism(parallelism);
    }
    if (batch != null) {
      job.batchSize(batch);
    }
    if (stride != null) {
      job.frameStride(stride);
    }
    if (keyframesOnly) {
      job.keyframesOnly();
    }
    if (maxHeap != null) {
      job.maxHeap(maxHeap);
    }
    if (checkpointDir != null) {
      job.checkpointDir(checkpointDir);
    }
  }

  private void checkAtLeastOne(String option, @Nullable Integer value) {
    if (value != null && value < 1) {
      throw usage("Invalid value for option '" + option + "': must be at least 1, was " + value);
    }
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

  /** Parses {@code --resize}: {@code opencv} or {@code fast}, any case. */
  static final class ResizeConverter implements ITypeConverter<ResizeMode> {
    @Override
    public ResizeMode convert(String value) {
      for (ResizeMode m : ResizeMode.values()) {
        if (m.name().equalsIgnoreCase(value.trim())) {
          return m;
        }
      }
      throw new TypeConversionException("'" + value + "' is not a resize mode: use opencv or fast");
    }
  }

  /**
   * A {@code --chunk-size}: a number of bytes or a duration, exactly one of them non-null.
   *
   * @param bytes the target segment size in bytes, or null
   * @param duration the target segment duration, or null
   */
  record ChunkSize(@Nullable DataSize bytes, @Nullable Duration duration) {

    /** A duration: a number (decimals allowed) and a unit, any case; but "M" alone is a data size (MiB). */
    private static final Pattern DURATION =
        Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|m|min|h)", Pattern.CASE_INSENSITIVE);

    /**
     * Parses {@code 512MiB}, {@code 64KiB}, {@code 1GiB}, a byte count, or {@code 500ms}, {@code 60s}, {@code 10m},
     * {@code 1h} (also {@code 1.5s}, {@code 2min} and ISO-8601 such as {@code PT90S}).
     *
     * @param text the option's value
     * @return the chunk size
     * @throws IllegalArgumentException if it is neither, or not positive
     */
    static ChunkSize parse(String text) {
      String t = text.strip();
      Duration duration = parseDuration(t);
      if (duration != null) {
        if (duration.isZero() || duration.isNegative()) {
          throw new IllegalArgumentException("must be positive, was '" + text + "'");
        }
        return new ChunkSize(null, duration);
      }
      DataSize size;
      try {
        size = DataSize.parse(t);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + text + "' is neither a data size (e.g. 512MiB, 64KiB, 1GiB) "
            + "nor a duration (e.g. 500ms, 60s, 10m, 1h)");
      }
      if (size.bytes() <= 0) {
        throw new IllegalArgumentException("must be positive, was '" + text + "'");
      }
      return new ChunkSize(size, null);
    }

    private static @Nullable Duration parseDuration(String t) {
      if (t.length() > 1 && (t.charAt(0) == 'P' || t.charAt(0) == 'p')) {
        try {
          return Duration.parse(t);
        } catch (DateTimeParseException e) {
          return null;
        }
      }
      Matcher m = DURATION.matcher(t);
      if (!m.matches() || m.group(2).equals("M")) {
        return null; // "10M" is ten mebibytes
      }
      String unit = m.group(2).toLowerCase(Locale.ROOT);
      BigDecimal amount = new BigDecimal(m.group(1));
      long nanosPerUnit = switch (unit) {
        case "ms" -> 1_000_000L;
        case "s", "sec" -> 1_000_000_000L;
        case "m", "min" -> 60_000_000_000L;
        default -> 3_600_000_000_000L; // h
      };
      try {
        return Duration.ofNanos(amount.multiply(BigDecimal.valueOf(nanosPerUnit)).toBigInteger().longValueExact());
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("'" + t + "' is too long a duration");
      }
    }

    void applyTo(DetectionJob job) {
      if (duration != null) {
        job.chunkSize(duration);
      } else {
        job.chunkSize(java.util.Objects.requireNonNull(bytes));
      }
    }

    @Override
    public String toString() {
      return duration != null ? duration.toString() : String.valueOf(bytes);
    }
  }

  /** Parses {@code --chunk-size}. */
  static final class ChunkSizeConverter implements ITypeConverter<ChunkSize> {
    @Override
    public ChunkSize convert(String value) {
      try {
        return ChunkSize.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Parses a positive data size such as {@code 512MiB} ({@code --max-heap}). */
  static final class DataSizeConverter implements ITypeConverter<DataSize> {
    @Override
    public DataSize convert(String value) {
      DataSize size;
      try {
        size = DataSize.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not a data size (e.g. 512MiB, 2GiB, 64KiB)");
      }
      if (size.bytes() <= 0) {
        throw new TypeConversionException("must be positive, was '" + value + "'");
      }
      return size;
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
