package io.framewise.distributed.core;

import io.framewise.ModelException;
import io.framewise.ModelSpec;
import io.framewise.RefusedInputException;
import io.framewise.core.FfmpegDecoderProvider;
import io.framewise.core.pipeline.ErrorLog;
import io.framewise.core.pipeline.FrameProcessor;
import io.framewise.core.plan.Budget;
import io.framewise.core.plan.IndexCache;
import io.framewise.core.run.LocalRun;
import io.framewise.core.store.Checkpoint;
import io.framewise.core.store.SpillFile;
import io.framewise.distributed.worker.InputPolicy;
import io.framewise.distributed.worker.TaskExecutor;
import io.framewise.spi.JobConfig;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.ModelAdapter;
import io.framewise.spi.ModelAdapterProvider;
import io.framewise.spi.VideoDecoder;
import io.framewise.spi.VideoDecoderProvider;
import io.framewise.spi.VideoIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a segment task on this instance: checks the input against the worker's policy and the model
 * against the task's content identity, then decodes the segment, runs the model and puts the result
 * in the store, exactly as a local chunked run computes that segment.
 */
final class CoreTaskExecutor implements TaskExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(CoreTaskExecutor.class);

    private final SegmentStore store;
    private final InputPolicy policy;
    private final VideoDecoderProvider decoder = new FfmpegDecoderProvider();

    CoreTaskExecutor(SegmentStore store, InputPolicy policy) {
        this.store = store;
        this.policy = policy;
    }

    @Override
    public String execute(byte[] bytes, String job, int segment) throws Exception {
        TaskSpec task;
        try {
            task = TaskSpec.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new RefusedInputException("FW-805", null, "job " + job + " segment " + segment + ": " + e.getMessage(), e);
        }
        if (!task.job().equals(job) || task.segment() != segment) {
            throw new RefusedInputException("FW-805", null, "the task's content (job " + task.job() + " segment " + task.segment()
                    + ") does not match its record (job " + job + " segment " + segment + ")", null);
        }
        policy.checkInput(task.video());
        policy.checkModel(Path.of(task.model()));
        if (store.contains(job, segment)) {
            return "already stored";
        }
        ModelSpec spec = task.modelSpec();
        String sha;
        try {
            sha = JobFingerprint.ofModel(spec).fields().get("model.sha256");
        } catch (IOException | RuntimeException e) {
            throw new ModelException("FW-802", spec.path(), "this worker cannot read the model of job " + job + ": " + e.getMessage(), e);
        }
        if (!task.modelSha256().equals(sha)) {
            throw new ModelException("FW-801", spec.path(), "the model's content on this worker (SHA-256 " + sha
                    + ") differs from the job's (" + task.modelSha256() + "); task of job " + job + " segment " + segment + " refused", null);
        }
        Path video = Path.of(task.video());
        JobConfig config = new JobConfig(video, spec, task.params(), decoder, adapterFor(spec), null, task.options());
        String actual = JobFingerprint.of(config).hex();
        if (!actual.equals(job)) {
            throw new RefusedInputException("FW-805", video, "the input or settings seen by this worker make another job (" + actual
                    + ") than the task's (" + job + "): the file differs here", null);
        }
        VideoIndex index = IndexCache.get(decoder, video, config.options());
        if (segment >= index.segments().size()) {
            throw new RefusedInputException("FW-805", video, "the index here has " + index.segments().size() + " segment(s), the task names "
                    + segment, null);
        }
        VideoIndex.Segment s = index.segments().get(segment);
        if (s.firstFrameId() != task.firstFrameId() || s.frameCount() != task.frameCount()) {
            throw new RefusedInputException("FW-805", video, "segment " + segment + " here is frames " + s.firstFrameId() + ".." + s.lastFrameId()
                    + ", the task's " + task.firstFrameId() + " +" + task.frameCount(), null);
        }
        long t0 = System.nanoTime();
        Path scratch = store.scratch(job, segment);
        JobFingerprint fingerprint = JobFingerprint.of(config);
        try {
            run(config, index, s, fingerprint, scratch);
            TestHooks.afterCompute(segment);
            boolean stored = store.putIfAbsent(job, segment, scratch);
            TestHooks.afterStore(segment);
            return (stored ? "computed and stored" : "computed; an identical result was stored already") + " in "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms";
        } finally {
            Files.deleteIfExists(scratch);
            Files.deleteIfExists(scratch.resolveSibling(scratch.getFileName() + ".tmp"));
        }
    }

    /** Decodes one segment and runs the model, as the local chunked run does, into a committed segment file. */
    private void run(JobConfig config, VideoIndex index, VideoIndex.Segment segment, JobFingerprint fingerprint, Path file) throws IOException {
        TestHooks.beforeCompute(segment.index());
        boolean keyframesOnly = config.options().keyframesOnly();
        try (ModelAdapter model = LocalRun.openModel(config, 1);
                SpillFile.Writer spill = new SpillFile.Writer(file, Checkpoint.header(fingerprint, segment));
                VideoDecoder dec = config.decoder().openSegment(config.video(), index, segment, keyframesOnly)) {
            Budget budget = Budget.plan(config.video(), index.info(), model.info(), Budget.ModelCost.of(model, config), config.options(),
                    model.maxBatchSize(), true, 1, index.segments().size());
            LocalRun.scaleFramesForModel(dec, model, index.info());
            dec.decodingThreads(Budget.decodingThreads(Math.max(0, model.cpuThreads()), 1));
            ErrorLog errors = new ErrorLog();
            FrameProcessor processor = new FrameProcessor(model, config, budget.batch(), spill::frame);
            long middle = Math.max(1, expectedFrames(segment, keyframesOnly) / 2);
            FrameProcessor.Drained drained = processor.drain(dec, errors, segment.firstFrameId(), seen -> {
                if (seen == middle) {
                    TestHooks.midSegment(segment.index());
                }
            });
            long decoded = drained.decoded();
            long failed = drained.failed();
            long expected = keyframesOnly ? segment.gopFrames().length : segment.frameCount();
            if (decoded + failed != expected) {
                errors.add("FW-107", "segment " + segment.index() + " (frames " + segment.firstFrameId() + ".." + segment.lastFrameId()
                        + ") decoded " + decoded + " frame(s) and lost " + failed + ", but the index promised " + expected,
                        segment.firstFrameId(), null);
                if (decoded + failed < expected) {
                    failed = expected - decoded;
                }
            }
            spill.commit(new SpillFile.Trailer(decoded + failed, processor.processed(), failed, processor.detections(), errors.snapshot()));
            LOG.debug("segment {}: {} decoded, {} processed", segment.index(), decoded, processor.processed());
        }
    }

    private static long expectedFrames(VideoIndex.Segment segment, boolean keyframesOnly) {
        return keyframesOnly ? segment.gopFrames().length : segment.frameCount();
    }

    static ModelAdapterProvider adapterFor(ModelSpec spec) {
        ModelAdapterProvider best = null;
        for (ModelAdapterProvider p : ServiceLoader.load(ModelAdapterProvider.class)) {
            if (p.isAvailable() && p.supports(spec) && (best == null || p.priority() > best.priority())) {
                best = p;
            }
        }
        if (best == null) {
            throw new ModelException("FW-802", spec.path(), "no model adapter on this worker handles it (add sdk-gpu)", null);
        }
        return best;
    }
}
