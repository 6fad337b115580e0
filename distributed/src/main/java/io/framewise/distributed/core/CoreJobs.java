package io.framewise.distributed.core;

import io.framewise.distributed.coordinator.DistributedEngine;
import io.framewise.distributed.worker.InputPolicy;
import io.framewise.distributed.worker.TaskExecutor;
import java.nio.file.Path;

/**
 * Framewise's engine behind the distributed mode: the planner a coordinator uses and the executor a
 * worker uses, both on one result store directory that every instance reaches.
 */
public final class CoreJobs {

    private CoreJobs() {}

    /**
     * Plans jobs for a {@link DistributedEngine}.
     *
     * @param store the shared result store directory
     * @return the planner
     */
    public static DistributedEngine.Planner planner(Path store) {
        SegmentStore s = new SegmentStore(store);
        return (config, writer) -> new CorePlannedJob(config, writer, s);
    }

    /**
     * Runs tasks for a {@link io.framewise.distributed.worker.Worker}.
     *
     * @param store the shared result store directory
     * @param policy the inputs this worker may open
     * @return the executor
     */
    public static TaskExecutor executor(Path store, InputPolicy policy) {
        return new CoreTaskExecutor(new SegmentStore(store), policy);
    }
}
