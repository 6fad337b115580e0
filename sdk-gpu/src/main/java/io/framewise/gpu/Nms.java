package io.framewise.gpu;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Greedy class-aware non-maximum suppression. */
final class Nms {

  /** Most detections kept per frame, as in the usual YOLO tooling ({@code max_det}). */
  static final int MAX_DETECTIONS = 300;

  /** Most candidates considered, best first, before suppression. */
  static final int MAX_CANDIDATES = 30_000;

  private static final Comparator<Candidate> BEST_FIRST = Comparator.comparingDouble((Candidate c) -> -c.score())
      .thenComparingInt(Candidate::classId)
      .thenComparingDouble(Candidate::x1)
      .thenComparingDouble(Candidate::y1);

  private Nms() {}

  /** Sorts best first, deterministically (ties broken by class and position). */
  static void sort(List<Candidate> candidates) {
    candidates.sort(BEST_FIRST);
  }

  /**
   * Keeps, best first, each candidate that does not overlap a better kept one of the same class by
   * more than {@code iouThreshold}.
   */
  static List<Candidate> suppress(List<Candidate> candidates, double iouThreshold) {
    sort(candidates);
    int n = Math.min(candidates.size(), MAX_CANDIDATES);
    List<Candidate> kept = new ArrayList<>();
    for (int i = 0; i < n && kept.size() < MAX_DETECTIONS; i++) {
      Candidate c = candidates.get(i);
      boolean keep = true;
      for (Candidate k : kept) {
        if (k.classId() == c.classId() && k.iou(c) > iouThreshold) {
          keep = false;
          break;
        }
      }
      if (keep) {
        kept.add(c);
      }
    }
    return kept;
  }
}
