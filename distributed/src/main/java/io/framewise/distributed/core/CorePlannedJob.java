package io.framewise.distributed.core;

import io.framewise.DetectionSummary;
import io.framewise.JobError;
import io.framewise.ModelInfo;
import io.framewise.core.pipeline.ErrorLog;
import io.framewise.core.plan.IndexCache;
import io.framewise.core.run.LocalRun;
import io.framewise.core.store.Checkpoint;
import io.framewise.core.store.SpillFile;
import io.framewise.distributed.coordinator.PlannedJob;
import io.framewise.spi.JobConfig;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.ResultWriter;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A job planned on this instance: indexed as the local chunked run indexes it (the same segments and
 * job fingerprint), tasks encoded from its configuration, stored results replayed in order into the
 * writer, and the summary made as the local chunked run makes it.
 */
final class CorePlannedJob implements PlannedJob {

    private final JobConfig config;
    private final ResultWriter writer;
    private final SegmentStore store;
    private final VideoIndex index;
    private final JobFingerprint fingerprint;
    private final String modelSha;
    private final long started = System.nanoTime();
    private final ErrorLog errors = new ErrorLog();
    private long decoded;
    private long processed;
    private long failed;
    private long detections;
    private int segmentsLost;

    CorePlannedJob(JobConfig config, ResultWriter writer, SegmentStore store) throws IOException {
        this.config = config;
        this.writer = writer;
        this.store = store;
        if (config.remote() != null) {
            throw new IllegalArgumentException("remote input (" + config.remote().display() + ") is not available to submit yet");
        }
        this.index = IndexCache.get(config.decoder(), config.video(), config.options());
        this.fingerprint = JobFingerprint.of(config);
        this.modelSha = fingerprint.fields().get("model.sha256");
        ModelInfo modelInfo;
        try (ModelAdapter probe = LocalRun.openModel(config, 1)) {
            modelInfo = probe.info();
        }
        writer.begin(index.info(), modelInfo);
    }

    @Override
    public String id() {
        return fingerprint.hex();
    }

    @Override
    public int segments() {
        return index.segments().size();
    }

    @Override
    public byte[] task(int segment) {
        VideoIndex.Segment s = index.segments().get(segment);
        return TaskSpec.of(config, id(), modelSha, segment, s.firstFrameId(), s.frameCount()).encode();
    }

    @Override
    public boolean stored(int segment) {
        return store.contains(id(), segment);
    }

    @Override
    public boolean merge(int segment) throws IOException {
        VideoIndex.Segment s = index.segments().get(segment);
        Path file = store.file(id(), segment);
        SpillFile.Trailer t = SpillFile.replay(file, Checkpoint.header(fingerprint, s), writer::frame);
        decoded += t.decoded();
        processed += t.processed();
        failed += t.failed();
        detections += t.detections();
        for (JobError e : t.errors()) {
            errors.add(e.code(), e.message(), e.frameId(), e.ptsMs());
        }
        return true;
    }

    @Override
    public void lost(int segment, String why) {
        VideoIndex.Segment s = index.segments().get(segment);
        long frames = config.options().keyframesOnly() ? s.gopFrames().length : s.frameCount();
        decoded += frames;
        failed += frames;
        segmentsLost++;
        errors.add("FW-108", "frames " + s.firstFrameId() + ".." + s.lastFrameId() + " (segment " + segment + ") failed: " + why,
                s.firstFrameId(), null);
    }

    @Override
    public void error(String code, String message, int segment) {
        errors.add(code, message, index.segments().get(segment).firstFrameId(), null);
    }

    @Override
    public DetectionSummary finish() throws IOException {
        DetectionSummary summary = config.options().keyframesOnly() || (segmentsLost > 0 && decoded == failed)
                ? new DetectionSummary(decoded, processed, failed, detections, failed == 0 && errors.isEmpty(), errors.snapshot())
                : LocalRun.summarize(config.video(), index.info(), decoded - failed, failed, processed, detections, errors);
        writer.end(summary);
        LocalRun.logSummary(config.video(), summary, started);
        return summary;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
