package io.framewise.distributed.it;

import io.framewise.DetectionSummary;
import io.framewise.ModelSpec;
import io.framewise.VideoDetector;
import io.framewise.distributed.coordinator.Coordinator;
import io.framewise.distributed.coordinator.DistributedEngine;

import io.framewise.distributed.tasklog.TaskLog;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A coordinator process for the failure tests:
 * {@code SubmitMain BOOTSTRAP TEST-NAME STORE VIDEO MODEL CHUNK-MS OUT}. Prints
 * {@code outcome published=P reused=R complete=C} and exits 0 (complete) or 3.
 */
public final class SubmitMain {

  private SubmitMain() {}

  public static void main(String[] args) {
    Coordinator.Outcome o = submit(args[0], args[1], Path.of(args[2]), Path.of(args[3]), Path.of(args[4]), Long.parseLong(args[5]),
        Path.of(args[6]));
    System.out.println("outcome published=" + o.published() + " reused=" + o.reused() + " complete=" + o.summary().complete());
    System.exit(o.summary().complete() ? 0 : 3);
  }

  static Coordinator.Outcome submit(String bootstrap, String name, Path store, Path video, Path model, long chunkMs, Path out) {
    DistributedEngine engine = DistributedEngine.onStore(new TaskLog(Settings.of(bootstrap, name)), store);
    try (VideoDetector d = VideoDetector.builder().engine(engine).build()) {
      DetectionSummary s = d.newJob(video).model(ModelSpec.of(model)).chunkSize(Duration.ofMillis(chunkMs)).writeJson(out);
      Coordinator.Outcome o = engine.lastOutcome();
      return new Coordinator.Outcome(s, o == null ? -1 : o.published(), o == null ? -1 : o.reused());
    }
  }
}
