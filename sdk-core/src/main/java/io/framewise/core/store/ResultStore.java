package io.framewise.core.store;

import io.framewise.FrameDetections;
import java.io.IOException;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * Where segment results go: one self-describing, checksummed result per job and segment number
 * ({@link ResultKey}), put if absent. A segment's result is deterministic, so a second put of the same
 * key with identical bytes is a no-op, and one that differs is reported ({@code FW-824}) and leaves
 * the stored result as it was. Results are streamed both ways: memory does not depend on a segment's
 * length. {@link DirectoryResultStore} keeps them in a directory (a checkpoint, a local spill
 * directory, or a shared mount every instance reaches); other stores plug in here.
 *
 * <h2>Thread safety</h2>
 * Implementations are safe for concurrent use by several threads and, where they say so, processes.
 */
public interface ResultStore {

  /** Receives frames replayed from a stored result, in frame order. */
  @FunctionalInterface
  interface FrameConsumer {
    /**
     * Takes one frame.
     *
     * @param frame the frame's detections
     * @throws IOException if it cannot be written on
     */
    void accept(FrameDetections frame) throws IOException;
  }

  /** A result being written; nothing is visible under its key before {@link #commit}. */
  interface Upload extends AutoCloseable {
    /**
     * Adds the next frame (frame ids rising within the key's range).
     *
     * @param frame the frame
     * @throws IOException if it cannot be written
     */
    void frame(FrameDetections frame) throws IOException;

    /**
     * Ends the result with its counts and errors and puts it if absent.
     *
     * @param trailer the counts and errors
     * @return the stored result (the one already there when it was identical)
     * @throws io.framewise.DetectorIOException FW-824 when a differing result is already stored under the key
     * @throws IOException if it cannot be written
     */
    SegmentResult commit(SpillFile.Trailer trailer) throws IOException;

    /** Discards the result unless it was committed. */
    @Override
    void close() throws IOException;
  }

  /**
   * Starts writing the result of {@code key}.
   *
   * @param key the job, segment and frames
   * @return the upload; close it (try-with-resources)
   * @throws IOException if the store cannot be written
   */
  Upload create(ResultKey key) throws IOException;

  /**
   * Whether a result is stored under the key's name (not read: see {@link #check}).
   *
   * @param key the key
   * @return true if one is there
   * @throws IOException if the store cannot be read
   */
  boolean contains(ResultKey key) throws IOException;

  /**
   * Reads the stored result of {@code key} whole and checks it: its header names the key's job,
   * segment and frames, frame ids rise within them, and its checksum matches.
   *
   * @param key the key
   * @return what it says about itself, or null when none is stored
   * @throws SpillFile.DamagedException if the stored result is not a sound result of the key
   * @throws IOException if it cannot be read
   */
  @Nullable SegmentResult check(ResultKey key) throws IOException;

  /**
   * Replays the stored result of {@code key} into {@code sink}, checking it as {@link #check} does
   * (frames reach the sink as they are read; check first where a late failure matters).
   *
   * @param key the key
   * @param sink receives the frames in order
   * @return what the result says about itself
   * @throws java.nio.file.NoSuchFileException if none is stored
   * @throws SpillFile.DamagedException if it is not a sound result of the key
   * @throws IOException if it cannot be read, or the sink fails
   */
  SegmentResult replay(ResultKey key, FrameConsumer sink) throws IOException;

  /**
   * Lists the segment numbers stored for a job, in no particular order, lazily (close the stream).
   *
   * @param job the job fingerprint's hex
   * @return the segment numbers
   * @throws IOException if the store cannot be read
   */
  IntStream list(String job) throws IOException;

  /**
   * Removes the result of {@code key}, if any.
   *
   * @param key the key
   * @throws IOException if it cannot be removed
   */
  void delete(ResultKey key) throws IOException;
}
