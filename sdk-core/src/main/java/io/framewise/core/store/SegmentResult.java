package io.framewise.core.store;

import io.framewise.JobError;
import java.util.List;
import java.util.Objects;

/**
 * What a stored segment result says about itself (its header and trailer): the job, the segment and
 * its frames, the counts and errors of the segment, and the SHA-256 of the stored bytes. The frames'
 * detections stay in the store and are read by {@link ResultStore#replay}.
 *
 * @param key the job, segment and frame range
 * @param decoded frames accounted for (decoded, or failed to decode)
 * @param processed frames the model ran on
 * @param failed frames that failed to decode (or were lost)
 * @param detections detections in the segment
 * @param errors errors met in the segment
 * @param digest the SHA-256 of the stored result, hex: two results of the same key are the same exactly
 *     when their digests are
 */
public record SegmentResult(ResultKey key, long decoded, long processed, long failed, long detections, List<JobError> errors,
    String digest) {

  /** Copies the errors. */
  public SegmentResult {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(digest, "digest");
    errors = List.copyOf(errors);
  }

  /**
   * Whether the segment met no damage: no failed frame, no error (a segment that did is decoded again
   * as part of the stream's tail, as an unchunked run decodes it).
   *
   * @return true when clean
   */
  public boolean clean() {
    return failed == 0 && errors.isEmpty();
  }

  SpillFile.Trailer trailer() {
    return new SpillFile.Trailer(decoded, processed, failed, detections, errors);
  }
}
