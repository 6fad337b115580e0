package io.framewise.distributed.it;

import io.framewise.distributed.worker.SegmentTaskExecutor;
import io.framewise.distributed.tasklog.TaskLog;
import io.framewise.distributed.worker.InputPolicy;
import io.framewise.distributed.worker.Worker;
import java.nio.file.Path;

/** A worker process for the failure tests: {@code WorkerMain BOOTSTRAP TEST-NAME STORE WORKER-NAME [INPUTS]} (INPUTS: as {@code --inputs}). */
public final class WorkerMain {

  private WorkerMain() {}

  public static void main(String[] args) {
    TaskLog log = new TaskLog(Settings.of(args[0], args[1]));
    Worker worker = new Worker(log, SegmentTaskExecutor.onStore(Path.of(args[2]), args.length > 4 ? InputPolicy.parse(args[4]) : InputPolicy.localFiles()), args[3]);
    Runtime.getRuntime().addShutdownHook(new Thread(worker::stop));
    worker.run();
  }
}
