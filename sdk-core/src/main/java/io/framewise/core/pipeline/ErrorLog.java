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
