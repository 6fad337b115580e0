package io.framewise.gpu;

/** A raw detection in model-input pixel coordinates, before NMS and mapping back to the frame. */
record Candidate(int classId, float score, float x1, float y1, float x2, float y2) {

  float area() {
    return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  }

  float iou(Candidate o) {
    float iw = Math.min(x2, o.x2) - Math.max(x1, o.x1);
    float ih = Math.min(y2, o.y2) - Math.max(y1, o.y1);
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    float inter = iw * ih;
    float union = area() + o.area() - inter;
    return union <= 0 ? 0 : inter / union;
  }

  static Candidate fromCenter(int classId, float score, float cx, float cy, float w, float h) {
    return new Candidate(classId, score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
  }
}
