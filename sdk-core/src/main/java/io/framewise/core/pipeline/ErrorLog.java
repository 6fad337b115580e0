package io.framewise.core.pipeline;

import io.framewise.DetectionSummary;
import io.framewise.JobError;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Keeps at most {@link DetectionSummary#MAX_ERRORS} errors and counts the rest: memory stays bounded. */
public final class ErrorLog {

  private final List<JobError> kept = new ArrayList<>();
  private long dropped;

  public void add(String code, String message, @Nullable Long frameId, @Nullable Double ptsMs) {
    if (kept.size() < DetectionSummary.MAX_ERRORS - 1) {
      kept.add(new JobError(code, message, frameId, ptsMs));
    } else {
      dropped++;
    }
  }

  /**
   * Adds the errors of a part of the job (a segment's snapshot), in order; the count of errors its own
   * log left out (its last entry, FW-199) is added to this log's count instead of listed.
   */
  public void addAll(List<JobError> part) {
    for (int i = 0; i < part.size(); i++) {
      JobError e = part.get(i);
      if (i == part.size() - 1 && "FW-199".equals(e.code()) && e.frameId() == null && e.message().endsWith(" more error(s) not listed")) {
        try {
          dropped += Long.parseLong(e.message().substring(0, e.message().indexOf(' ')));
          continue;
        } catch (NumberFormatException ignored) {
          // not this log's own line: keep it as it is
        }
      }
      add(e.code(), e.message(), e.frameId(), e.ptsMs());
    }
  }

  public boolean isEmpty() {
    return kept.isEmpty();
  }

  public List<JobError> snapshot() {
    if (dropped == 0) {
      return List.copyOf(kept);
    }
    List<JobError> all = new ArrayList<>(kept);
    all.add(new JobError("FW-199", dropped + " more error(s) not listed", null, null));
    return all;
  }
}
