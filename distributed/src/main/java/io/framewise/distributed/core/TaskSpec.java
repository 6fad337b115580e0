package io.framewise.distributed.core;

import io.framewise.DataSize;
import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.ResizeMode;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.JobConfig;
import io.framewise.spi.PipelineOptions;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * A segment task as it travels: the job's identity, the input and model references with the model's
 * content identity, every setting that shapes the output, and the segment. Properties text, UTF-8.
 */
record TaskSpec(String job, int segment, long firstFrameId, long frameCount, String video, String model, String modelSha256,
        String format, List<String> labels, @Nullable String labelsFile, int inputWidth, int inputHeight, @Nullable String name,
        String resize, double confidence, double iou, int stride, boolean keyframesOnly, long chunkBytes, @Nullable String chunkDuration) {

    static TaskSpec of(JobConfig config, String job, String modelSha256, int segment, long firstFrameId, long frameCount) {
        ModelSpec m = config.model();
        PipelineOptions o = config.options();
        return new TaskSpec(job, segment, firstFrameId, frameCount, config.video().toAbsolutePath().toString(),
                m.path().toAbsolutePath().toString(), modelSha256, m.format().id(), m.labels(),
                m.labelsFile() == null ? null : m.labelsFile().toAbsolutePath().toString(), m.inputWidth(), m.inputHeight(), m.name(),
                m.resize().name(), config.params().confidence(), config.params().iou(), o.frameStride(), o.keyframesOnly(), o.chunkBytes(),
                o.chunkDuration() == null ? null : o.chunkDuration().toString());
    }

    byte[] encode() {
        Properties p = new Properties();
        p.setProperty("v", "1");
        p.setProperty("job", job);
        p.setProperty("segment", Integer.toString(segment));
        p.setProperty("firstFrameId", Long.toString(firstFrameId));
        p.setProperty("frameCount", Long.toString(frameCount));
        p.setProperty("video", video);
        p.setProperty("model", model);
        p.setProperty("model.sha256", modelSha256);
        p.setProperty("format", format);
        p.setProperty("labels.count", Integer.toString(labels.size()));
        for (int i = 0; i < labels.size(); i++) {
            p.setProperty("labels." + i, labels.get(i));
        }
        if (labelsFile != null) {
            p.setProperty("labelsFile", labelsFile);
        }
        p.setProperty("input", inputWidth + "x" + inputHeight);
        if (name != null) {
            p.setProperty("name", name);
        }
        p.setProperty("resize", resize);
        p.setProperty("confidence", Double.toString(confidence));
        p.setProperty("iou", Double.toString(iou));
        p.setProperty("stride", Integer.toString(stride));
        p.setProperty("keyframesOnly", Boolean.toString(keyframesOnly));
        p.setProperty("chunkBytes", Long.toString(chunkBytes));
        if (chunkDuration != null) {
            p.setProperty("chunkDuration", chunkDuration);
        }
        StringWriter w = new StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    static TaskSpec decode(byte[] bytes) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
            if (!"1".equals(p.getProperty("v"))) {
                throw new IllegalArgumentException("not a segment task of version 1");
            }
            int n = Integer.parseInt(req(p, "labels.count"));
            List<String> labels = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                labels.add(req(p, "labels." + i));
            }
            String[] input = req(p, "input").split("x");
            return new TaskSpec(req(p, "job"), Integer.parseInt(req(p, "segment")), Long.parseLong(req(p, "firstFrameId")),
                    Long.parseLong(req(p, "frameCount")), req(p, "video"), req(p, "model"), req(p, "model.sha256"), req(p, "format"),
                    labels, p.getProperty("labelsFile"), Integer.parseInt(input[0]), Integer.parseInt(input[1]), p.getProperty("name"),
                    req(p, "resize"), Double.parseDouble(req(p, "confidence")), Double.parseDouble(req(p, "iou")),
                    Integer.parseInt(req(p, "stride")), Boolean.parseBoolean(req(p, "keyframesOnly")), Long.parseLong(req(p, "chunkBytes")),
                    p.getProperty("chunkDuration"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed segment task: " + e.getMessage(), e);
        }
    }

    ModelSpec modelSpec() {
        ModelSpec.Builder b = ModelSpec.builder(Path.of(model)).format(ModelFormat.fromId(format))
                .resize(ResizeMode.valueOf(resize.toUpperCase(Locale.ROOT)));
        if (!labels.isEmpty()) {
            b.labels(labels);
        }
        if (labelsFile != null) {
            b.labelsFile(Path.of(labelsFile));
        }
        if (inputWidth > 0) {
            b.inputSize(inputWidth, inputHeight);
        }
        if (name != null) {
            b.name(name);
        }
        return b.build();
    }

    DetectionParams params() {
        return new DetectionParams(confidence, iou);
    }

    PipelineOptions options() {
        return new PipelineOptions(chunkBytes, chunkDuration == null ? null : Duration.parse(chunkDuration), (DataSize) null, 0, 0, stride,
                keyframesOnly, null);
    }

    private static String req(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }
}
