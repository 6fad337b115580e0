package io.framewise;

import io.framewise.spi.DetectionEngine;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.JobConfig;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.PipelineOptions;
import io.framewise.spi.RemoteVideo;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.ResultWriterProvider;
import io.framewise.spi.VideoDecoderProvider;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One detection run over one video, configured fluently and ended by a terminal method
 * ({@link #writeJson(OutputStream)}, {@link #writeJson(Path)} or {@link #run(FrameListener)}), or started
 * without blocking by an asynchronous one ({@link #writeJsonAsync(Path)}, {@link #writeJsonAsync(OutputStream)},
 * {@link #runAsync(FrameListener)}) that returns a {@link JobHandle}. One pass can write the JSON and feed
 * a {@link FrameListener} too ({@link #listener(FrameListener)}).
 *
 * <h2>Thread safety</h2>
 * Not thread-safe, and single-use: a second terminal call throws {@link IllegalStateException} (a
 * {@link #writeJson(Path)} refused with {@link InvalidOutputException} does not count: nothing ran, and the
 * job may be run again with another output). The one exception is {@link #cancel()}, which any thread may
 * call at any time. After an asynchronous call the job belongs to the detector's threads: use its
 * {@link JobHandle}.
 *
 * <h2>Cancellation</h2>
 * A running job stops when the thread that runs it is interrupted (for example by
 * {@code Future.cancel(true)} on the task that called the terminal method) or when another thread calls
 * {@link #cancel()}. The job notices between frames (within one model call), stops its worker threads
 * and waits for them, removes its temporary files, and throws {@link JobCancelledException}
 * ({@code FW-700}). This holds with any chunking and parallelism, {@code parallelism(1)} included.
 * Segments already committed to a {@linkplain #checkpointDir checkpoint directory} are kept, so the same
 * job started again resumes from them; nothing else stays behind. A cancellation that comes after the
 * last frame was processed may be too late: the job then ends normally.
 *
 * <h2>Lifecycle</h2>
 * The job opens and closes its own decoder and model. It never closes a caller's output stream.
 *
 * @since 0.1
 */
public final class DetectionJob {

  private final VideoDetector owner;
  private final Path video;
  private final @Nullable RemoteVideo remote;
  private @Nullable ModelSpec model;
  private @Nullable Double confidence;
  private @Nullable Double iou;
  private @Nullable VideoDecoderProvider decoder;
  private @Nullable ModelAdapterProvider modelAdapter;
  private @Nullable ResultWriterProvider resultWriter;
  private @Nullable ProgressListener progress;
  private long chunkBytes;
  private @Nullable Duration chunkDuration;
  private @Nullable DataSize maxHeap;
  private int parallelism;
  private int batchSize;
  private int frameStride;
  private boolean keyframesOnly;
  private @Nullable Path checkpointDir;
  private @Nullable Duration timeout;
  private @Nullable FrameListener listener;
  private boolean started;
  /** Set by the timeout's timer before it cancels the job. */
  private volatile boolean timedOut;
  /** Who is told about the run: the handle of an asynchronous one and the detector's observers. */
  private @Nullable Observed observed;
  /** Guards {@link #runner} and {@link #interruptSent}. */
  private final Object runLock = new Object();
  private @Nullable Thread runner;
  private boolean interruptSent;
  private volatile boolean cancelRequested;

  DetectionJob(VideoDetector owner, Path video, @Nullable RemoteVideo remote) {
    this.owner = owner;
    this.video = video;
    this.remote = remote;
  }

  /**
   * Uses this model file, detecting its family, input size and labels.
   *
   * @param model the ONNX file
   * @return this job, for chaining
   * @throws IllegalStateException if a model was already set
   */
  public DetectionJob model(Path model) {
    return model(ModelSpec.of(Objects.requireNonNull(model, "model")));
  }

  /**
   * Uses this model with explicit overrides (format, labels, input size).
   *
   * @param spec the model
   * @return this job, for chaining
   * @throws IllegalStateException if a model was already set
   */
  public DetectionJob model(ModelSpec spec) {
    Objects.requireNonNull(spec, "spec");
    requireState(this.model == null, "model was already set to %s", this.model);
    this.model = spec;
    return this;
  }

  /**
   * Sets the minimum score of a reported detection (default 0.25).
   *
   * @param confidence a value in [0, 1]
   * @return this job, for chaining
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public DetectionJob confidence(double confidence) {
    requireUnit("confidence", confidence);
    requireState(this.confidence == null, "confidence was already set to %s", this.confidence);
    this.confidence = confidence;
    return this;
  }

  /**
   * Sets the overlap above which non-maximum suppression drops the weaker of two same-class boxes
   * (default 0.45).
   *
   * @param iou a value in [0, 1]
   * @return this job, for chaining
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public DetectionJob iou(double iou) {
    requireUnit("iou", iou);
    requireState(this.iou == null, "iou was already set to %s", this.iou);
    this.iou = iou;
    return this;
  }

  /**
   * Uses this decoder for this job.
   *
   * @param decoder the provider
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob decoder(VideoDecoderProvider decoder) {
    Objects.requireNonNull(decoder, "decoder");
    requireState(this.decoder == null, "decoder was already set to %s", this.decoder);
    this.decoder = decoder;
    return this;
  }

  /**
   * Uses this model adapter for this job.
   *
   * @param modelAdapter the provider
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob modelAdapter(ModelAdapterProvider modelAdapter) {
    Objects.requireNonNull(modelAdapter, "modelAdapter");
    requireState(this.modelAdapter == null, "modelAdapter was already set to %s", this.modelAdapter);
    this.modelAdapter = modelAdapter;
    return this;
  }

  /**
   * Uses this result writer for {@link #writeJson}.
   *
   * @param resultWriter the provider
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob resultWriter(ResultWriterProvider resultWriter) {
    Objects.requireNonNull(resultWriter, "resultWriter");
    requireState(this.resultWriter == null, "resultWriter was already set to %s", this.resultWriter);
    this.resultWriter = resultWriter;
    return this;
  }

  /**
   * Reports progress (frames done, total, fps, ETA) to {@code listener} while the job runs.
   *
   * @param listener the listener
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob progress(ProgressListener listener) {
    Objects.requireNonNull(listener, "listener");
    requireState(this.progress == null, "progress listener was already set");
    this.progress = listener;
    return this;
  }

  /**
   * Splits the video into keyframe-aligned segments of about this many bytes, processed in parallel,
   * retried alone when they fail, and journaled with {@link #checkpointDir}. Output is byte-identical
   * whatever the chunk size.
   *
   * @param size the target segment size (segments end at the first key frame past it)
   * @return this job, for chaining
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if a chunk size was already set
   */
  public DetectionJob chunkSize(DataSize size) {
    Objects.requireNonNull(size, "size");
    if (size.bytes() <= 0) {
      throw new IllegalArgumentException("chunkSize must be positive, was " + size);
    }
    requireState(chunkBytes == 0 && chunkDuration == null, "chunkSize was already set");
    this.chunkBytes = size.bytes();
    return this;
  }

  /**
   * Splits the video into keyframe-aligned segments of about this duration; see {@link #chunkSize(DataSize)}.
   *
   * @param duration the target segment duration (segments end at the first key frame past it)
   * @return this job, for chaining
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if a chunk size was already set
   */
  public DetectionJob chunkSize(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("chunkSize must be positive, was " + duration);
    }
    requireState(chunkBytes == 0 && chunkDuration == null, "chunkSize was already set");
    this.chunkDuration = duration;
    return this;
  }

  /**
   * Sets the memory budget of the whole pipeline: the peak resident memory (RSS) the job may bring the
   * process to, Java heap and native memory together (decoder pictures, frames, batches, the model's
   * weights and the runtime's working memory, and the JVM's and libraries' fixed part); not the JVM's
   * {@code -Xmx}, although that is the default. Queue depths, batch size and parallelism are derived
   * from it; a job that cannot fit fails fast with a {@link ResourceLimitException} saying what to
   * change, before a model too big for it is loaded. See docs/memory.md for what is counted and how
   * close the estimate is to measured peaks. Default: the JVM's maximum heap.
   *
   * @param budget the budget
   * @return this job, for chaining
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public DetectionJob maxHeap(DataSize budget) {
    Objects.requireNonNull(budget, "budget");
    if (budget.bytes() <= 0) {
      throw new IllegalArgumentException("maxHeap must be positive, was " + budget);
    }
    requireState(maxHeap == null, "maxHeap was already set to %s", maxHeap);
    this.maxHeap = budget;
    return this;
  }

  /**
   * Sets how much work runs at once. With a chunk size (or a checkpoint directory, or keyframes-only):
   * how many segments are decoded at once (default: one per available core, within the budget).
   * Without: how many inference threads one decoder feeds (default: one per core, at most 4, within the
   * budget); {@code parallelism(1)} runs decoding and inference on the calling thread alone. Every
   * setting gives the same bytes.
   *
   * @param n at least 1
   * @return this job, for chaining
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public DetectionJob parallelism(int n) {
    atLeastOne(n, "parallelism");
    requireState(parallelism == 0, "parallelism was already set to %s", parallelism);
    this.parallelism = n;
    return this;
  }

  /**
   * Sets how many frames go through the model per call. Used up to this size when the model has a
   * dynamic batch dimension; a model with a fixed batch of 1 runs one frame per call.
   *
   * @param n at least 1
   * @return this job, for chaining
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public DetectionJob batchSize(int n) {
    atLeastOne(n, "batchSize");
    requireState(batchSize == 0, "batchSize was already set to %s", batchSize);
    this.batchSize = n;
    return this;
  }

  /**
   * Processes only every {@code n}-th frame (frame ids 0, n, 2n, ...); frame ids stay true.
   *
   * @param n at least 1 (1 = every frame)
   * @return this job, for chaining
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public DetectionJob frameStride(int n) {
    atLeastOne(n, "frameStride");
    requireState(frameStride == 0, "frameStride was already set to %s", frameStride);
    this.frameStride = n;
    return this;
  }

  /**
   * Decodes and processes key frames only, for a fast coarse scan of huge files; frame ids stay true
   * (they are the key frames' positions among all frames).
   *
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob keyframesOnly() {
    requireState(!keyframesOnly, "keyframesOnly was already set");
    this.keyframesOnly = true;
    return this;
  }

  /**
   * Journals completed segments and their results in {@code dir}, so that a job killed and started
   * again with the same arguments resumes from the last completed segment and produces the same
   * output as an uninterrupted run. A changed input file invalidates the checkpoint.
   *
   * @param dir the checkpoint directory (created if missing)
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   */
  public DetectionJob checkpointDir(Path dir) {
    Objects.requireNonNull(dir, "dir");
    requireState(checkpointDir == null, "checkpointDir was already set to %s", checkpointDir);
    this.checkpointDir = dir;
    return this;
  }

  /**
   * Stops the job once it has run this long: it then ends as a cancelled job does (see the class
   * description), with a {@link JobTimeoutException} ({@code FW-701}, a {@link JobCancelledException}).
   * The time counts from when the job starts running (an asynchronous job waiting for a thread is not
   * yet running). Checked by the detector's timer. Default: no timeout.
   *
   * @param timeout positive
   * @return this job, for chaining
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   * @since 0.3
   */
  public DetectionJob timeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    requireState(this.timeout == null, "timeout was already set to %s", this.timeout);
    this.timeout = timeout;
    return this;
  }

  /**
   * Also hands every frame's detections to {@code listener} ({@link FrameListener#onStart} first, with
   * the video's and the model's info), in the same pass as the JSON of {@link #writeJson}: the video is
   * decoded once. With {@link #run(FrameListener)} both listeners get every frame. The JSON is the
   * same bytes as without a listener.
   *
   * @param listener the listener
   * @return this job, for chaining
   * @throws IllegalStateException if already set
   * @since 0.3
   */
  public DetectionJob listener(FrameListener listener) {
    Objects.requireNonNull(listener, "listener");
    requireState(this.listener == null, "listener was already set");
    this.listener = listener;
    return this;
  }

  /**
   * Runs the job and streams the JSON document to {@code out} as frames complete. The stream is
   * flushed, not closed. When the job fails with an exception the document is left unterminated, so
   * it can never be mistaken for a finished one.
   *
   * @param out where the JSON goes
   * @return the job's summary; check {@link DetectionSummary#complete()}
   * @throws MediaException if the video cannot be read
   * @throws ModelException if the model cannot be used
   * @throws DetectorIOException if writing fails (FW-500; the message says the output stream failed and why)
   * @throws NoProviderException if no decoder, model adapter, writer or engine is available
   * @throws JobCancelledException if the job was cancelled (see the class description)
   * @throws IllegalStateException if the job was already run or no model was set
   */
  public DetectionSummary writeJson(OutputStream out) {
    Objects.requireNonNull(out, "out");
    claim();
    return runNow(() -> writeTo(start(), out, null));
  }

  /**
   * Starts {@link #writeJson(OutputStream)} on the detector's threads and returns at once. The stream is
   * flushed, not closed, when the job ends; close it once {@link JobHandle#result()} has completed.
   *
   * @param out where the JSON goes; used by the job's thread only
   * @return the running job's handle
   * @throws IllegalStateException if the job was already run, no model was set, or the detector is closed
   * @throws java.util.concurrent.RejectedExecutionException if the detector's executor refuses the job
   * @since 0.3
   */
  public JobHandle writeJsonAsync(OutputStream out) {
    Objects.requireNonNull(out, "out");
    return submit(() -> writeTo(start(), out, null));
  }

  /**
   * Runs the job and writes the JSON document to a file. The output is checked before anything is read
   * or written (one rule for the SDK and the CLI's {@code --out}):
   * <ul>
   *   <li>It may not be one of the job's inputs (the video, the model, the labels file) nor lie in its
   *       {@linkplain #checkpointDir checkpoint directory}, whatever path, symbolic link or hard link leads
   *       there: {@link InvalidOutputException} FW-501, and the inputs are left untouched.
   *   <li>A directory is refused (FW-502). Missing parent folders are created (and removed again if the
   *       job fails); a file where a folder should be is refused (FW-503).
   *   <li>A regular file, or a name that does not exist yet, is written atomically: the document goes to
   *       a temporary file in the same directory and is moved into place only when the job ends, so a
   *       failed job never leaves a file that looks finished (an existing file is left untouched). Through
   *       a symbolic link, the file the link points to is replaced and the link stays.
   *   <li>A character device ({@code /dev/null}, a terminal, {@code /dev/stdout}) or a FIFO is written
   *       through, never replaced, and so is a regular file reached through an open descriptor
   *       ({@code /dev/stdout} or {@code /dev/fd/N} redirected to a file: appended to). Not atomically, so
   *       a failed job leaves the document unterminated there, as with {@link #writeJson(OutputStream)}.
   *       Opening a FIFO waits for its reader; {@link #cancel()} or an interrupt ends that wait too. Any other special file (a block device, a socket) and a
   *       symbolic link to nothing are refused (FW-504).
   * </ul>
   *
   * @param file the JSON file to create or replace
   * @return the job's summary; check {@link DetectionSummary#complete()}
   * @throws InvalidOutputException if the output cannot be used (see above); nothing was read or written
   * @throws MediaException if the video cannot be read
   * @throws ModelException if the model cannot be used
   * @throws DetectorIOException if writing fails (FW-500; the message names the output file and says why)
   * @throws JobCancelledException if the job was cancelled; the temporary file is removed
   * @throws IllegalStateException if the job was already run or no model was set
   */
  public DetectionSummary writeJson(Path file) {
    Objects.requireNonNull(file, "file");
    requireState(!started, "this job was already run; a DetectionJob is single-use");
    requireState(model != null, "no model: call model(...) before running the job");
    OutputTarget target = OutputTarget.check(file, inputs(), checkpointDir);
    claim();
    return runNow(() -> writeFile(file, target));
  }

  /**
   * Starts {@link #writeJson(Path)} on the detector's threads and returns at once. The output is checked
   * now, on the calling thread, with the same rules.
   *
   * @param file the JSON file to create or replace
   * @return the running job's handle
   * @throws InvalidOutputException if the output cannot be used; nothing was started
   * @throws IllegalStateException if the job was already run, no model was set, or the detector is closed
   * @throws java.util.concurrent.RejectedExecutionException if the detector's executor refuses the job
   * @since 0.3
   */
  public JobHandle writeJsonAsync(Path file) {
    Objects.requireNonNull(file, "file");
    requireState(!started, "this job was already run; a DetectionJob is single-use");
    requireState(model != null, "no model: call model(...) before running the job");
    OutputTarget target = OutputTarget.check(file, inputs(), checkpointDir);
    return submit(() -> writeFile(file, target));
  }

  private DetectionSummary writeFile(Path file, OutputTarget target) {
    JobConfig config = start();
    if (target.kind() == OutputTarget.Kind.STREAM) {
      // APPEND: /dev/stdout redirected with >> keeps what is there; a device or FIFO does not care
      try (OutputStream raw = openStream(target.file(), owner.context());
          OutputStream out = new BufferedOutputStream(raw, 1 << 16)) {
        DetectionSummary summary = writeTo(config, out, file);
        out.flush();
        return summary;
      } catch (IOException e) {
        throw new DetectorIOException(file, "cannot write the JSON", e);
      }
    }
    Path real = target.file();
    Path dir = real.getParent();
    boolean done = false;
    Path tmp = null;
    try {
      // outermost first, one by one: Files.createDirectories skips "missing/.." and the file then cannot be created
      List<Path> missing = target.missingDirs();
      for (int i = missing.size() - 1; i >= 0; i--) {
        Path folder = missing.get(i);
        try {
          try {
            Files.createDirectory(folder);
          } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(folder)) {
              throw e;
            }
          }
        } catch (IOException e) {
          throw new DetectorIOException(file, "cannot create the output's folder " + folder, e);
        }
      }
      deleteStaleParts(dir, real.getFileName().toString());
      try {
        // createFile (not createTempFile) so the finished file gets the usual permissions (umask), not 0600
        tmp = Files.createFile(dir.resolve("." + real.getFileName() + "." + Long.toHexString(System.nanoTime())
            + Integer.toHexString(System.identityHashCode(this)) + ".part"));
      } catch (IOException e) {
        throw new DetectorIOException(file, "cannot create a temporary file beside the output", e);
      }
      DetectionSummary summary;
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16)) {
        summary = writeTo(config, out, file);
        out.flush();
        channel.force(true);
      } catch (IOException e) {
        throw new DetectorIOException(file, "cannot write the JSON (to its temporary file " + tmp.getFileName() + ")", e);
      }
      try {
        try {
          Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        throw new DetectorIOException(file, "cannot move the finished output into place", e);
      }
      done = true;
      return summary;
    } finally {
      if (!done) {
        try {
          if (tmp != null) {
            Files.deleteIfExists(tmp);
          }
        } catch (IOException ignored) {
          // best effort: the temporary name never looks like the finished output
        }
        for (Path created : target.missingDirs()) { // innermost first; only what this job created, if empty
          try {
            Files.deleteIfExists(created);
          } catch (IOException ignored) {
            // best effort, each on its own: one that cannot go (a spelling with "..") keeps none of the others
          }
        }
      }
    }
  }

  /**
   * Opens a {@link OutputTarget.Kind#STREAM} target for appending. Opening a FIFO for writing waits,
   * uninterruptibly, until someone opens it for reading; so a FIFO is opened on a helper thread while
   * this thread waits interruptibly, and a cancellation (or an interrupt) during the wait releases the
   * helper by opening the FIFO for reading once, on a thread of its own, and closes what it opened.
   */
  private static OutputStream openStream(Path path, io.framewise.spi.DetectorContext context) throws IOException {
    if (!OutputTarget.isFifo(path)) {
      return Files.newOutputStream(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }
    FifoOpener opener = new FifoOpener(path, context);
    context.startWorker("open-fifo", opener);
    return opener.await();
  }

  /** Opens a FIFO for writing on its own thread; see {@link #openStream}. */
  private static final class FifoOpener implements Runnable {
    private final Path fifo;
    private final io.framewise.spi.DetectorContext context;
    private @Nullable OutputStream stream;
    private @Nullable IOException failure;
    private boolean done;
    private boolean abandoned;

    FifoOpener(Path fifo, io.framewise.spi.DetectorContext context) {
      this.fifo = fifo;
      this.context = context;
    }

    @Override
    public void run() {
      OutputStream s = null;
      IOException f = null;
      try {
        s = Files.newOutputStream(fifo, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      } catch (IOException | RuntimeException e) {
        f = e instanceof IOException io ? io : new IOException(e);
      }
      synchronized (this) {
        done = true;
        if (abandoned) {
          closeQuietly(s);
        } else {
          stream = s;
          failure = f;
        }
        notifyAll();
      }
    }

    synchronized OutputStream await() throws IOException {
      try {
        while (!done) {
          wait();
        }
      } catch (InterruptedException e) {
        abandoned = true;
        closeQuietly(stream);
        if (!done) {
          context.startWorker("wake-fifo", () -> {
            try (java.io.InputStream reader = Files.newInputStream(fifo)) {
              // opened and closed: the writer's open returns, and the opener closes it
            } catch (IOException ignored) {
              // the opener failed meanwhile, or the FIFO went away: nothing waits
            }
          });
        }
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for a reader of the FIFO");
      }
      if (failure != null) {
        throw failure;
      }
      return Objects.requireNonNull(stream);
    }

    private static void closeQuietly(@Nullable OutputStream s) {
      if (s != null) {
        try {
          s.close();
        } catch (IOException ignored) {
          // nothing was written
        }
      }
    }
  }

  /** The job's input files by what they are, for {@link OutputTarget#check}. */
  private java.util.Map<String, Path> inputs() {
    ModelSpec spec = Objects.requireNonNull(model);
    java.util.Map<String, Path> inputs = new java.util.LinkedHashMap<>();
    if (remote == null) { // a remote job's video is a URI: its file name is no local file to protect
      inputs.put("video", video);
    }
    inputs.put("model", spec.path());
    if (spec.labelsFile() != null) {
      inputs.put("labels file", spec.labelsFile());
    }
    return inputs;
  }

  /**
   * Runs the job into {@code out}. When it fails because {@code out} failed (a full disk, a closed pipe),
   * the failure is reported as the output's, naming {@code file} (or "the output stream"), not the video.
   */
  private DetectionSummary writeTo(JobConfig config, OutputStream out, @Nullable Path file) {
    ResultWriterProvider provider = resultWriterProvider();
    OutputFailures tracked = new OutputFailures(out);
    ResultWriter writer;
    try {
      writer = observing(provider.open(tracked));
    } catch (IOException e) {
      throw new DetectorIOException(file, "cannot open result writer " + provider.name(), e);
    }
    try {
      return engine().run(config, writer);
    } catch (RuntimeException e) {
      IOException failure = tracked.failure;
      if (failure == null || !causedBy(e, failure)) {
        throw e; // not the output's fault (or the output failed only while the job was failing anyway)
      }
      DetectorIOException io = new DetectorIOException(file,
          file == null ? "cannot write the JSON to the output stream" : "cannot write the JSON", failure);
      io.addSuppressed(e);
      throw io;
    }
  }

  private static boolean causedBy(Throwable e, Throwable cause) {
    int depth = 0;
    for (Throwable t = e; t != null && depth < 32; t = t.getCause(), depth++) {
      if (t == cause) {
        return true;
      }
    }
    return false;
  }

  /** Remembers the first failure of the output, so that it can be told from other I/O failures of the job. */
  private static final class OutputFailures extends java.io.FilterOutputStream {
    volatile @Nullable IOException failure;

    OutputFailures(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        throw remember(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw remember(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw remember(e);
      }
    }

    @Override
    public void close() throws IOException {
      flush(); // the job never closes the caller's stream
    }

    private IOException remember(IOException e) {
      if (failure == null) {
        failure = e;
      }
      return e;
    }
  }

  /**
   * Runs the job and hands each frame's detections to {@code listener}, in frame order, without
   * producing JSON.
   *
   * @param listener receives every processed frame
   * @return the job's summary; check {@link DetectionSummary#complete()}
   * @throws MediaException if the video cannot be read
   * @throws ModelException if the model cannot be used
   * @throws JobCancelledException if the job was cancelled (see the class description)
   * @throws IllegalStateException if the job was already run or no model was set
   */
  public DetectionSummary run(FrameListener listener) {
    Objects.requireNonNull(listener, "listener");
    claim();
    return runNow(() -> {
      JobConfig config = start();
      return engine().run(config, observing(new ListenerWriter(listener)));
    });
  }

  /**
   * Starts {@link #run(FrameListener)} on the detector's threads and returns at once. The listener is
   * called from the job's thread.
   *
   * @param listener receives {@link FrameListener#onStart}, then every processed frame
   * @return the running job's handle
   * @throws IllegalStateException if the job was already run, no model was set, or the detector is closed
   * @throws java.util.concurrent.RejectedExecutionException if the detector's executor refuses the job
   * @since 0.3
   */
  public JobHandle runAsync(FrameListener listener) {
    Objects.requireNonNull(listener, "listener");
    return submit(() -> engine().run(start(), observing(new ListenerWriter(listener))));
  }

  /** Marks the job as run (checking it may be), before its body runs. */
  private void claim() {
    requireState(!started, "this job was already run; a DetectionJob is single-use");
    requireState(model != null, "no model: call model(...) before running the job");
    started = true;
  }

  /** Runs a terminal method's body on the calling thread. */
  private DetectionSummary runNow(Supplier<DetectionSummary> body) {
    if (!owner.enter()) {
      throw new IllegalStateException("this VideoDetector is closed");
    }
    try {
      return observed(body, null);
    } finally {
      owner.leave();
    }
  }

  /** Starts a terminal method's body on the detector's threads. */
  private JobHandle submit(Supplier<DetectionSummary> body) {
    claim();
    if (!owner.enter()) {
      throw new IllegalStateException("this VideoDetector is closed");
    }
    JobHandle handle = new JobHandle(this, video);
    try {
      owner.context().startWorker("job", () -> {
        try {
          handle.complete(observed(body, handle));
        } catch (RuntimeException | Error e) {
          handle.fail(e);
        } finally {
          owner.leave();
        }
      });
    } catch (RuntimeException | Error e) {
      owner.leave();
      throw e;
    }
    return handle;
  }

  /** Runs a body with the job's timeout, telling the handle and the observers how it went. */
  private DetectionSummary observed(Supplier<DetectionSummary> body, @Nullable JobHandle handle) {
    JobObserver.Job job = new JobObserver.Job(owner.nextJobId(),
        remote != null ? remote.display() : String.valueOf(video.getFileName()), Instant.now());
    Observed obs = new Observed(job, handle, owner.observers());
    this.observed = obs;
    long t0 = System.nanoTime();
    Future<?> timer = null;
    try {
      if (timeout != null) {
        timer = owner.context().schedule(this::timeUp, timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      DetectionSummary summary = cancellable(body);
      obs.finished(summary, Duration.ofNanos(System.nanoTime() - t0));
      return summary;
    } catch (RuntimeException | Error e) {
      obs.failed(e, Duration.ofNanos(System.nanoTime() - t0));
      throw e;
    } finally {
      if (timer != null) {
        timer.cancel(false);
      }
    }
  }

  private void timeUp() {
    timedOut = true;
    cancel();
  }

  /**
   * Cancels the job, from any thread: a job that has not started yet will throw
   * {@link JobCancelledException} as soon as it is run; a running one is woken (its thread is
   * interrupted), stops between frames, cleans up and throws {@link JobCancelledException} from its
   * terminal method, with the interrupt used to wake it cleared. Does nothing once the job has ended.
   * Calling it more than once is harmless.
   *
   * @since 0.1
   */
  public void cancel() {
    synchronized (runLock) {
      cancelRequested = true;
      if (runner != null && !interruptSent) {
        interruptSent = true;
        runner.interrupt();
      }
    }
  }

  /**
   * Tells whether {@link #cancel()} was called.
   *
   * @return true once {@link #cancel()} was called
   * @since 0.1
   */
  public boolean isCancelled() {
    return cancelRequested;
  }

  /**
   * Runs a terminal method so that {@link #cancel()} can reach it, and turns a failure caused by a
   * cancellation or an interrupt into a {@link JobCancelledException}.
   */
  private DetectionSummary cancellable(Supplier<DetectionSummary> body) {
    synchronized (runLock) {
      runner = Thread.currentThread();
    }
    DetectionSummary summary;
    try {
      if (cancelRequested) {
        throw timedOut ? new JobTimeoutException(video, Objects.requireNonNull(timeout), null)
            : new JobCancelledException(video, "the job was cancelled before it started", null);
      }
      summary = body.get();
    } catch (RuntimeException | Error e) {
      JobCancelledException cancelled = e instanceof RuntimeException r ? asCancellation(r) : null;
      leave(cancelled != null);
      if (cancelled != null) {
        throw cancelled;
      }
      throw e;
    }
    leave(false);
    return summary;
  }

  /** Forgets the running thread; clears the interrupt {@link #cancel()} sent, or keeps an outside one set. */
  private void leave(boolean cancelled) {
    synchronized (runLock) {
      runner = null;
      if (interruptSent) {
        interruptSent = false;
        Thread.interrupted(); // ours: the caller's thread goes on uninterrupted
      } else if (cancelled && !cancelRequested) {
        Thread.currentThread().interrupt(); // an interrupt cancelled the job: its status stays set
      }
    }
  }

  private @Nullable JobCancelledException asCancellation(RuntimeException e) {
    if (timedOut && (cancelRequested || causedByInterrupt(e))) {
      return e instanceof JobTimeoutException t ? t : new JobTimeoutException(video, Objects.requireNonNull(timeout), e);
    }
    if (e instanceof JobCancelledException c) {
      return c;
    }
    if (cancelRequested || causedByInterrupt(e)) {
      return new JobCancelledException(video, "the job was cancelled before it finished", e);
    }
    return null;
  }

  /** Whether an interrupt (of a blocking call or of an interruptible channel) is among the causes. */
  private static boolean causedByInterrupt(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException
          || t instanceof java.nio.channels.ClosedByInterruptException || t instanceof JobCancelledException) {
        return true;
      }
    }
    return false;
  }

  private static void atLeastOne(int n, String what) {
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be >= 1, was " + n);
    }
  }

  /**
   * Removes temporary files an earlier run for the same output left when its process was killed
   * (older than a minute, so a concurrent writer's file is left alone).
   */
  private static void deleteStaleParts(Path dir, String name) {
    String prefix = "." + name + ".";
    long cutoff = System.currentTimeMillis() - 60_000;
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      files.filter(p -> {
        String n = p.getFileName().toString();
        return n.startsWith(prefix) && n.endsWith(".part");
      }).forEach(p -> {
        try {
          if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
            Files.deleteIfExists(p);
          }
        } catch (IOException ignored) {
          // best effort
        }
      });
    } catch (IOException ignored) {
      // best effort: the directory is checked again when the temporary file is created
    }
  }

  private JobConfig start() {
    ModelSpec spec = Objects.requireNonNull(model);
    VideoDecoderProvider dec = ProviderLookup.select(
        VideoDecoderProvider.class, "decoder", decoder != null ? decoder : owner.decoder(),
        owner.classLoader(), p -> true, "videos");
    ModelAdapterProvider adapter = ProviderLookup.select(
        ModelAdapterProvider.class, "model-adapter", modelAdapter != null ? modelAdapter : owner.modelAdapter(),
        owner.classLoader(), p -> p.supports(spec), "model " + spec.path());
    DetectionParams params = new DetectionParams(
        confidence != null ? confidence : DetectionParams.DEFAULTS.confidence(),
        iou != null ? iou : DetectionParams.DEFAULTS.iou());
    PipelineOptions options = new PipelineOptions(chunkBytes, chunkDuration, maxHeap, parallelism, batchSize,
        frameStride == 0 ? 1 : frameStride, keyframesOnly, checkpointDir);
    Observed obs = observed;
    ProgressListener reported = obs == null || !obs.watched() ? progress : obs.progress(progress);
    return new JobConfig(video, spec, params, dec, adapter, reported, options, remote, owner.context());
  }

  /** Wraps the job's writer so that the extra listener, the handle and the observers learn what it learns. */
  private ResultWriter observing(ResultWriter writer) {
    Observed obs = observed;
    if (listener == null && (obs == null || !obs.watched())) {
      return writer;
    }
    return new ObservingWriter(writer, listener, obs);
  }

  private ResultWriterProvider resultWriterProvider() {
    return ProviderLookup.select(
        ResultWriterProvider.class, "result-writer", resultWriter != null ? resultWriter : owner.resultWriter(),
        owner.classLoader(), p -> "json".equalsIgnoreCase(p.format()), "format json");
  }

  private DetectionEngine engine() {
    return ProviderLookup.select(DetectionEngine.class, "engine", owner.engine(), owner.classLoader(), p -> true, "jobs");
  }

  private static void requireUnit(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], was " + value);
    }
  }

  private static void requireState(boolean ok, String template, @Nullable Object... args) {
    if (!ok) {
      throw new IllegalStateException(String.format(template, args));
    }
  }

  /** Adapts a {@link FrameListener} to the writer protocol. */
  private static final class ListenerWriter implements ResultWriter {
    private final FrameListener listener;

    ListenerWriter(FrameListener listener) {
      this.listener = listener;
    }

    @Override
    public void begin(VideoInfo video, ModelInfo model) {
      listener.onStart(video, model);
    }

    @Override
    public void frame(FrameDetections frame) {
      listener.onFrame(frame);
    }

    @Override
    public void end(DetectionSummary summary) {}

    @Override
    public void close() {}
  }

  /** Feeds a second listener, the handle and the observers from the job's writer calls. */
  private static final class ObservingWriter implements ResultWriter {
    private final ResultWriter delegate;
    private final @Nullable FrameListener listener;
    private final @Nullable Observed observed;

    ObservingWriter(ResultWriter delegate, @Nullable FrameListener listener, @Nullable Observed observed) {
      this.delegate = delegate;
      this.listener = listener;
      this.observed = observed;
    }

    @Override
    public void begin(VideoInfo video, ModelInfo model) throws IOException {
      delegate.begin(video, model);
      if (listener != null) {
        listener.onStart(video, model);
      }
      if (observed != null) {
        observed.started(video, model);
      }
    }

    @Override
    public void frame(FrameDetections frame) throws IOException {
      delegate.frame(frame);
      if (listener != null) {
        listener.onFrame(frame);
      }
    }

    @Override
    public void end(DetectionSummary summary) throws IOException {
      delegate.end(summary);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }

  /** One run as the handle and the observers see it; an observer that throws is logged and ignored. */
  private static final class Observed {
    private static final System.Logger LOG = System.getLogger(DetectionJob.class.getName());
    private final JobObserver.Job job;
    private final @Nullable JobHandle handle;
    private final List<JobObserver> observers;

    Observed(JobObserver.Job job, @Nullable JobHandle handle, List<JobObserver> observers) {
      this.job = job;
      this.handle = handle;
      this.observers = observers;
    }

    boolean watched() {
      return handle != null || !observers.isEmpty();
    }

    ProgressListener progress(@Nullable ProgressListener user) {
      return p -> {
        if (handle != null) {
          handle.progressed(p);
        }
        for (JobObserver o : observers) {
          safely(() -> o.jobProgress(job, p));
        }
        if (user != null) {
          user.onProgress(p);
        }
      };
    }

    void started(VideoInfo video, ModelInfo model) {
      if (handle != null) {
        handle.started(video, model);
      }
      for (JobObserver o : observers) {
        safely(() -> o.jobStarted(job, video, model));
      }
    }

    void finished(DetectionSummary summary, Duration duration) {
      for (JobObserver o : observers) {
        safely(() -> o.jobFinished(job, summary, duration));
      }
    }

    void failed(Throwable failure, Duration duration) {
      for (JobObserver o : observers) {
        safely(() -> o.jobFailed(job, failure, duration));
      }
    }

    private static void safely(Runnable call) {
      try {
        call.run();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "a JobObserver failed; the job goes on", e);
      }
    }
  }
}
