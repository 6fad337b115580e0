package io.framewise.samples.rest;

import io.framewise.DetectionSummary;
import io.framewise.FrameDetections;
import io.framewise.FrameListener;
import io.framewise.JobCancelledException;
import io.framewise.JobError;
import io.framewise.JobHandle;
import io.framewise.MediaException;
import io.framewise.ModelInfo;
import io.framewise.VideoDetectorException;
import io.framewise.VideoInfo;
import io.framewise.jakarta.FramewiseJobs;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The service's jobs: stores an upload in a folder of its own, starts an asynchronous job on it with
 * framewise-jakarta's configured jobs ({@link FramewiseJobs}: the application's detector, on the container's
 * managed threads), and deletes the files when they are no longer needed.
 *
 * <h2>Hostile uploads</h2>
 * A job's folder is {@code WORK/<id>/} with the fixed names {@code video} and {@code result.json}: no name
 * from the request (a multipart file name, a header) ever reaches the file system. Ids are 128 random bits
 * in hex; an id that is not 32 lower-case hex digits is refused before any lookup.
 *
 * <h2>Retention</h2>
 * A failed or cancelled job's files are deleted when it ends (it keeps its status). A complete job keeps its
 * video and result for {@code framewise.rest.retention} minutes (for {@code /result} and {@code /frames}),
 * then is forgotten with its files. {@code DELETE /jobs/{id}} cancels a running job and deletes its files at
 * once; on an ended job it forgets the job. Stopping the application cancels every job and deletes its
 * folder.
 */
@ApplicationScoped
public class Jobs {

  private static final Logger LOG = Logger.getLogger(Jobs.class.getName());
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
  private static final SecureRandom RANDOM = new SecureRandom();

  @Inject RestConfig config;
  @Inject FramewiseJobs framewise;
  @Resource ManagedScheduledExecutorService scheduler;

  private final Map<String, JobRecord> jobs = new ConcurrentHashMap<>();
  private final AtomicInteger active = new AtomicInteger();
  private Path work;
  private boolean ownWork;
  private @Nullable ScheduledFuture<?> sweeper;

  @PostConstruct
  void init() {
    try {
      if (config.workDir().isPresent()) {
        work = Files.createDirectories(config.workDir().get()).toRealPath();
      } else {
        work = Files.createTempDirectory("framewise-rest-").toRealPath();
        ownWork = true;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the work folder: " + e.getMessage(), e);
    }
    sweeper = scheduler.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.MINUTES);
    LOG.info(() -> "framewise-rest: work folder " + work + ", max upload "
        + config.maxUpload() + " bytes, max jobs " + config.maxJobs());
  }

  @PreDestroy
  void shutdown() {
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    for (JobRecord job : jobs.values()) {
      remove(job, true);
    }
    if (ownWork) {
      deleteQuietly(work);
    }
  }

  /**
   * Reserves a slot for a new job, or refuses.
   *
   * @throws Problem FW-852 (429) when {@code framewise.rest.max-jobs} jobs are queued or running
   */
  void reserve() {
    int max = config.maxJobs();
    if (active.incrementAndGet() > max) {
      active.decrementAndGet();
      throw tooMany(max);
    }
  }

  /** {@return whether {@code framewise.rest.max-jobs} jobs are queued or running} */
  boolean full() {
    return active.get() >= config.maxJobs();
  }

  /** {@return how many jobs may be queued or running at once} */
  int maxJobs() {
    return config.maxJobs();
  }

  static Problem tooMany(int max) {
    return new Problem(429, "FW-852", "Too many jobs",
        max + " job(s) are already queued or running (framewise.rest.max-jobs); try again when one has ended");
  }

  /** Gives back a slot taken by {@link #reserve()} for a job that never started. */
  void release() {
    active.decrementAndGet();
  }

  /** {@return the largest upload accepted, in bytes} */
  long maxUpload() {
    return config.maxUpload();
  }

  /**
   * Stores an upload as a new job's video; the caller holds a slot ({@link #reserve()}).
   *
   * @param body the upload
   * @return the new job, not started
   * @throws Problem FW-851 (413) if it is larger than the limit, FW-853 (400) if it is empty, FW-858 (500)
   *     if it cannot be stored; the partial file is deleted
   */
  JobRecord store(InputStream body) {
    String id = newId();
    Path dir = work.resolve(id);
    JobRecord job = new JobRecord(id, dir);
    boolean ok = false;
    try {
      Files.createDirectory(dir);
      long n = 0;
      long max = config.maxUpload();
      try (OutputStream out = Files.newOutputStream(job.video(), StandardOpenOption.CREATE_NEW)) {
        byte[] buf = new byte[1 << 16];
        int r;
        while ((r = body.read(buf)) > 0) {
          n += r;
          if (n > max) {
            throw tooLarge(max);
          }
          out.write(buf, 0, r);
        }
      }
      if (n == 0) {
        throw new Problem(400, "FW-853", "Not a video", "the upload is empty: send the video as the request body"
            + " (application/octet-stream) or as the multipart form field 'video'");
      }
      ok = true;
      return job;
    } catch (IOException e) {
      throw new Problem(500, "FW-858", "Upload not stored", "the upload could not be stored: " + e.getMessage());
    } finally {
      if (!ok) {
        deleteQuietly(dir);
      }
    }
  }

  static Problem tooLarge(long max) {
    return new Problem(413, "FW-851", "Upload too large",
        "the upload is larger than " + max + " bytes (framewise.rest.max-upload)");
  }

  /**
   * Starts a stored job (asynchronously, on the detector's managed threads) and waits until the detector has
   * opened its video and model, or the job has ended.
   *
   * @param job the stored job
   * @throws Problem with the SDK's code (422) when the upload is not a video the SDK accepts (the job is
   *     forgotten and its files deleted), FW-859 (503) when it cannot be started
   */
  void start(JobRecord job) {
    jobs.put(job.id(), job);
    JobHandle handle;
    try {
      handle = framewise.newJob(job.video())
          .progress(job::progress)
          .listener(new FrameListener() {
            @Override
            public void onStart(VideoInfo video, ModelInfo model) {
              job.running();
              job.opened.countDown();
            }

            @Override
            public void onFrame(FrameDetections frame) {}
          })
          .writeJsonAsync(job.result());
    } catch (RuntimeException e) {
      jobs.remove(job.id());
      active.decrementAndGet();
      deleteQuietly(job.dir());
      LOG.log(Level.WARNING, "job " + job.id() + " not started", e);
      throw new Problem(503, "FW-859", "Not started", "the job could not be started; see the service's log");
    }
    job.start(handle);
    handle.result().whenComplete((summary, failure) -> finish(job, summary, failure));
    try {
      job.opened.await(120, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (job.state() == JobRecord.State.FAILED && job.mediaFailure()) {
      jobs.remove(job.id());
      JobError e = job.errors().get(0);
      throw new Problem(422, e.code(), "Not a video", "the upload is not a video this service can read: " + e.message());
    }
  }

  /** Records how a job ended, deletes what is no longer needed, and frees its slot. */
  private void finish(JobRecord job, @Nullable DetectionSummary s, @Nullable Throwable failure) {
    try {
      Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      if (e == null && s != null && s.complete()) {
        job.end(JobRecord.State.COMPLETE, s.framesDecoded(), s.errors(), null, false);
      } else if (e == null && s != null) {
        // An incomplete result is never served: it could be taken for the whole video's.
        List<JobError> errs = new java.util.ArrayList<>();
        errs.add(new JobError("FW-855", "the result is not complete (" + s.framesProcessed() + " of " + s.framesDecoded()
            + " decoded frames processed, " + s.errors().size() + " error(s)), so it is not served", null, null));
        errs.addAll(s.errors()); // at most DetectionSummary.MAX_ERRORS + 1
        job.end(JobRecord.State.FAILED, s.framesDecoded(), errs, "FW-855", false);
        deleteFiles(job);
      } else if (e instanceof JobCancelledException c) {
        job.end(JobRecord.State.CANCELLED, -1, List.of(new JobError(c.code(), clean(job, c), null, null)), c.code(), false);
        deleteFiles(job);
      } else if (e instanceof VideoDetectorException v) {
        job.end(JobRecord.State.FAILED, -1, List.of(new JobError(v.code(), clean(job, v), null, null)), v.code(),
            v instanceof MediaException);
        deleteFiles(job);
      } else {
        LOG.log(Level.WARNING, "job " + job.id() + " failed", e);
        job.end(JobRecord.State.FAILED, -1, List.of(new JobError("FW-859", "internal failure: " + e, null, null)),
            "FW-859", false);
        deleteFiles(job);
      }
    } finally {
      active.decrementAndGet();
    }
  }

  /** The SDK's message without the server's folder: a client sees the file as "video". */
  private static String clean(JobRecord job, Exception e) {
    String m = String.valueOf(e.getMessage());
    return m.replace(job.dir().toString() + java.io.File.separator, "");
  }

  /**
   * Finds a job.
   *
   * @param id the id from the request
   * @return the job
   * @throws Problem FW-850 (404) for an id that is malformed or unknown
   */
  JobRecord find(String id) {
    JobRecord job = id != null && ID.matcher(id).matches() ? jobs.get(id) : null;
    if (job == null) {
      throw new Problem(404, "FW-850", "Unknown job", "no job has this id (ids are 32 hexadecimal digits;"
          + " a finished job is forgotten after framewise.rest.retention minutes or a DELETE)");
    }
    return job;
  }

  /**
   * Cancels a queued or running job and waits (up to a minute) for it to stop, then deletes its files; an
   * ended job is forgotten with its files.
   *
   * @param job the job
   * @return true if the job was running and is now cancelled (and kept as such), false if it was forgotten (it
   *     had ended, or it ended normally before the cancellation reached it)
   */
  boolean delete(JobRecord job) {
    if (job.state().ended()) {
      remove(job, false);
      return false;
    }
    JobHandle h = job.handle();
    if (h != null) {
      h.cancel();
      try {
        h.result().get(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception ignored) {
        // the job's own outcome is in its record
      }
    }
    try {
      job.ended.await(60, TimeUnit.SECONDS); // finish() has run
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (job.state() == JobRecord.State.COMPLETE) {
      remove(job, false); // the cancel came after the last frame: the job ended normally, and is forgotten
      return false;
    }
    job.closeCursor();
    deleteFiles(job);
    return true;
  }

  private void remove(JobRecord job, boolean cancel) {
    jobs.remove(job.id());
    if (cancel && !job.state().ended()) {
      JobHandle h = job.handle();
      if (h != null) {
        h.cancel();
        try {
          h.result().get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // shutting down
        }
      }
    }
    job.closeCursor();
    deleteFiles(job);
  }

  /** Forgets ended jobs past the retention time, with their files. */
  void sweep() {
    long now = System.nanoTime();
    long keep = config.retention().toNanos();
    for (JobRecord job : jobs.values()) {
      if (job.state().ended() && now - job.endedAtNanos() > keep) {
        remove(job, false);
      }
    }
  }

  private static String newId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static void deleteFiles(JobRecord job) {
    deleteQuietly(job.dir());
  }

  /** Deletes a job folder (plain files only: the service creates no sub-folders) or the work folder. */
  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (Files.isDirectory(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          deleteQuietly(f);
        } else {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      LOG.warning(() -> "cannot delete " + dir + ": " + e);
    }
  }
}
