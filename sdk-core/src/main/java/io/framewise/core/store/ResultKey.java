package io.framewise.core.store;

import java.util.regex.Pattern;

/**
 * Names one result of a job in a {@link ResultStore}: the job's fingerprint (hex), the segment number
 * and the frames the result covers. A store derives file or object names from {@link #job()} and
 * {@link #segment()} only; the frame range is checked against what the stored result's header says.
 *
 * @param job the job fingerprint's hex (64 lower-case hex digits)
 * @param segment the segment number ({@code segmentCount} for the tail of a damaged stream)
 * @param firstFrameId the first frame id the result covers
 * @param frameCount how many frame ids it covers, or {@link #TO_END} for every id from the first on
 */
public record ResultKey(String job, int segment, long firstFrameId, long frameCount) {

  /** The frame count of a result that covers every frame from its first on (the tail). */
  public static final long TO_END = -1;
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  /** Validates the fields: the job is a fingerprint's hex, numbers are in range. */
  public ResultKey {
    if (job == null || !HEX64.matcher(job).matches()) {
      throw new IllegalArgumentException("a result key's job is a fingerprint's 64 lower-case hex digits");
    }
    if (segment < 0 || segment > 999_999 || firstFrameId < 0 || frameCount < TO_END) {
      throw new IllegalArgumentException("segment " + segment + ", first frame " + firstFrameId + " or count " + frameCount + " out of range");
    }
  }

  /** The spill file header a result under this key must carry. */
  SpillFile.Header header() {
    return new SpillFile.Header(job, segment, firstFrameId, frameCount == TO_END ? Long.MAX_VALUE - firstFrameId : frameCount);
  }
}
