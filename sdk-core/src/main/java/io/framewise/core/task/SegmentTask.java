package io.framewise.core.task;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.framewise.ModelFormat;
import io.framewise.ModelSpec;
import io.framewise.RefusedInputException;
import io.framewise.ResizeMode;
import io.framewise.core.store.ResultKey;
import io.framewise.spi.DetectionParams;
import io.framewise.spi.JobFingerprint;
import io.framewise.spi.VideoIndex;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One unit of a job's work, complete enough to leave the process: which job (its
 * {@link JobFingerprint}, the one job identity), which input (an absolute local path, or an http(s)
 * URI), which model (absolute path, the SHA-256 of its bytes and every override that shapes what it
 * reports), every setting that shapes the output (thresholds, resize mode, frame stride,
 * keyframes-only, chunk size, batch), and which frames: a segment of the job's {@link VideoIndex}
 * ({@link Kind#SEGMENT}), or, for a stream that met damage, the whole stream decoded from a frame to its
 * end ({@link Kind#TAIL}, what an unchunked run does, so the output does not depend on the chunking).
 *
 * <p>{@link #encode()} writes a small versioned JSON document; {@link #decode(byte[])} reads it back and
 * trusts nothing: sizes are bounded, every field is checked, paths must be absolute and normalised,
 * URIs must be http(s) with a host, and the task must agree with its own fingerprint (input path, model
 * path and content hash, thresholds, stride, keyframes-only). Whether the worker may open the input and
 * whether its model is the task's is decided by the {@link SegmentRunner} (an {@link InputCheck}, and
 * the job fingerprint recomputed on the worker).
 *
 * <p>The tail task has segment number {@link #segmentCount()} (one past the last segment), so a result
 * store names every result of a job by its fingerprint and a segment number.
 *
 * @param kind a segment, or the tail of a damaged stream
 * @param job the job's fingerprint ({@link JobFingerprint.Scope#JOB})
 * @param input the input: an absolute, normalised local path, or an http(s) URI
 * @param model the model as the job names it (path absolute and normalised)
 * @param modelSha256 the SHA-256 of the model file's bytes, hex (as in the fingerprint)
 * @param params confidence and IoU thresholds
 * @param frameStride process every n-th frame
 * @param keyframesOnly decode key frames only
 * @param chunkBytes the chunk size in bytes, or 0
 * @param chunkDuration the chunk size as a duration, or null
 * @param batch frames per inference call the job planned for its segments (0: plan it on the worker,
 *     as an unchunked run does; the tail task's)
 * @param segment the segment's number: {@code 0..segmentCount-1}, or {@code segmentCount} for the tail
 * @param segmentCount how many segments the job has
 * @param firstFrameId the first frame id the task covers
 * @param range the segment as the index has it (where to seek, frame count, key frames); null for the tail
 */
public record SegmentTask(
    Kind kind,
    JobFingerprint job,
    String input,
    ModelSpec model,
    String modelSha256,
    DetectionParams params,
    int frameStride,
    boolean keyframesOnly,
    long chunkBytes,
    @Nullable Duration chunkDuration,
    int batch,
    int segment,
    int segmentCount,
    long firstFrameId,
    VideoIndex.@Nullable Segment range) {

  /** The version of the encoding; {@link #decode} refuses others. */
  public static final int VERSION = 1;
  /** The largest encoded task accepted. */
  public static final int MAX_BYTES = 1 << 20;
  /** The longest text field accepted (paths, URIs, names, labels). */
  public static final int MAX_TEXT = 4096;
  /** The most labels accepted. */
  public static final int MAX_LABELS = 65_536;
  /** The most groups of pictures a segment may list. */
  public static final int MAX_GOPS = 1 << 18;
  private static final int MAX_FINGERPRINT = 64 * 1024;
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final JsonFactory JSON = JsonFactory.builder().build();

  /** What a task decodes. */
  public enum Kind {
    /** One segment of the index: seek to its key frame, decode exactly its frames. */
    SEGMENT,
    /** The stream decoded whole, as an unchunked run does, keeping the frames from {@code firstFrameId} on. */
    TAIL
  }

  /** Validates the fields (the checks {@link #decode} relies on). */
  public SegmentTask {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(modelSha256, "modelSha256");
    Objects.requireNonNull(params, "params");
    if (job.scope() != JobFingerprint.Scope.JOB) {
      throw new IllegalArgumentException("a task names a job fingerprint, not a " + job.scope() + " one");
    }
    if (!HEX64.matcher(modelSha256).matches()) {
      throw new IllegalArgumentException("modelSha256 is not 64 lower-case hex digits");
    }
    if (frameStride < 1 || batch < 0 || chunkBytes < 0 || segmentCount < 1 || firstFrameId < 0) {
      throw new IllegalArgumentException("frameStride, batch, chunkBytes, segmentCount or firstFrameId out of range");
    }
    if (kind == Kind.SEGMENT) {
      if (range == null) {
        throw new IllegalArgumentException("a segment task needs its segment");
      }
      if (segment < 0 || segment >= segmentCount || range.index() != segment || range.firstFrameId() != firstFrameId) {
        throw new IllegalArgumentException("segment " + segment + " of " + segmentCount + " does not match its range " + range);
      }
    } else if (range != null || segment != segmentCount) {
      throw new IllegalArgumentException("the tail task has segment number " + segmentCount + " and no range");
    }
  }

  /**
   * The key its result is stored under: the job, the segment number and the frames it covers (the tail
   * covers every frame from its first on: {@link ResultKey#TO_END}).
   *
   * @return the key
   */
  public ResultKey key() {
    return new ResultKey(job.hex(), segment, firstFrameId, kind == Kind.SEGMENT ? Objects.requireNonNull(range).frameCount() : ResultKey.TO_END);
  }

  /**
   * Returns whether the input is a URI rather than a local path.
   *
   * @return true for http(s) input
   */
  public boolean remoteInput() {
    return input.startsWith("http://") || input.startsWith("https://");
  }

  /**
   * A short description for log lines: job (abbreviated), segment and frames.
   *
   * @return for example {@code job 3fa2c1d0 segment 4/12 (frames 600..749)}
   */
  public String describe() {
    String frames = kind == Kind.SEGMENT ? firstFrameId + ".." + Objects.requireNonNull(range).lastFrameId() : firstFrameId + "..end";
    return "job " + job.hex().substring(0, 8) + (kind == Kind.SEGMENT ? " segment " + segment + "/" + segmentCount : " tail")
        + " (frames " + frames + ")";
  }

  // ---- encoding ----

  /**
   * Encodes the task as a small UTF-8 JSON document ({@code "v": 1}).
   *
   * @return the bytes
   */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      g.writeStringField("kind", kind.name().toLowerCase(Locale.ROOT));
      g.writeStringField("job", job.canonicalForm());
      g.writeStringField("input", input);
      g.writeObjectFieldStart("model");
      g.writeStringField("path", model.path().toString());
      g.writeStringField("sha256", modelSha256);
      g.writeStringField("format", model.format().id());
      g.writeArrayFieldStart("labels");
      for (String l : model.labels()) {
        g.writeString(l);
      }
      g.writeEndArray();
      if (model.labelsFile() != null) {
        g.writeStringField("labelsFile", model.labelsFile().toString());
      }
      g.writeNumberField("inputWidth", model.inputWidth());
      g.writeNumberField("inputHeight", model.inputHeight());
      if (model.name() != null) {
        g.writeStringField("name", model.name());
      }
      g.writeStringField("resize", model.resize().name().toLowerCase(Locale.ROOT));
      g.writeEndObject();
      g.writeNumberField("confidence", params.confidence());
      g.writeNumberField("iou", params.iou());
      g.writeNumberField("frameStride", frameStride);
      g.writeBooleanField("keyframesOnly", keyframesOnly);
      g.writeNumberField("chunkBytes", chunkBytes);
      if (chunkDuration != null) {
        g.writeStringField("chunkDuration", chunkDuration.toString());
      }
      g.writeNumberField("batch", batch);
      g.writeNumberField("segment", segment);
      g.writeNumberField("segmentCount", segmentCount);
      g.writeNumberField("firstFrameId", firstFrameId);
      if (range != null) {
        g.writeObjectFieldStart("range");
        g.writeNumberField("frameCount", range.frameCount());
        g.writeNumberField("startPts", range.startPts());
        g.writeNumberField("endPts", range.endPts());
        g.writeNumberField("startDts", range.startDts());
        g.writeNumberField("bytes", range.bytes());
        g.writeArrayFieldStart("gopFrames");
        for (int n : range.gopFrames()) {
          g.writeNumber(n);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return out.toByteArray();
  }

  /**
   * Decodes a task written by {@link #encode()}, checking everything (see the class comment).
   *
   * @param bytes the encoded task, from anywhere
   * @return the task
   * @throws RefusedInputException FW-820 when the bytes are not a well-formed task of this version, or
   *     the task does not agree with its own fingerprint; the message says what is wrong
   */
  public static SegmentTask decode(byte[] bytes) {
    if (bytes.length > MAX_BYTES) {
      throw malformed(bytes.length + " bytes, more than the " + MAX_BYTES + " a task may have");
    }
    try (JsonParser p = JSON.createParser(bytes)) {
      Fields f = new Fields();
      expect(p.nextToken(), JsonToken.START_OBJECT, "the document");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "v" -> f.version = intValue(p, t, name);
          case "kind" -> f.kind = text(p, t, name, 16);
          case "job" -> f.job = text(p, t, name, MAX_FINGERPRINT);
          case "input" -> f.input = text(p, t, name, MAX_TEXT);
          case "model" -> readModel(p, t, f);
          case "confidence" -> f.confidence = doubleValue(p, t, name);
          case "iou" -> f.iou = doubleValue(p, t, name);
          case "frameStride" -> f.frameStride = intValue(p, t, name);
          case "keyframesOnly" -> f.keyframesOnly = bool(t, name);
          case "chunkBytes" -> f.chunkBytes = longValue(p, t, name);
          case "chunkDuration" -> f.chunkDuration = text(p, t, name, 64);
          case "batch" -> f.batch = intValue(p, t, name);
          case "segment" -> f.segment = intValue(p, t, name);
          case "segmentCount" -> f.segmentCount = intValue(p, t, name);
          case "firstFrameId" -> f.firstFrameId = longValue(p, t, name);
          case "range" -> readRange(p, t, f);
          default -> throw malformed("unknown field \"" + abbreviate(name) + "\"");
        }
      }
      expect(p.currentToken(), JsonToken.END_OBJECT, "the document");
      if (p.nextToken() != null) {
        throw malformed("bytes follow the document");
      }
      return f.build();
    } catch (JsonProcessingException e) {
      throw malformed("not well-formed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw malformed("unreadable: " + e.getMessage());
    }
  }

  private static void readModel(JsonParser p, JsonToken t, Fields f) throws IOException {
    expect(t, JsonToken.START_OBJECT, "model");
    f.hasModel = true;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "path" -> f.modelPath = text(p, v, "model.path", MAX_TEXT);
        case "sha256" -> f.modelSha256 = text(p, v, "model.sha256", 64);
        case "format" -> f.format = text(p, v, "model.format", 64);
        case "labels" -> {
          expect(v, JsonToken.START_ARRAY, "model.labels");
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (f.labels.size() >= MAX_LABELS) {
              throw malformed("more than " + MAX_LABELS + " labels");
            }
            f.labels.add(text(p, p.currentToken(), "a label", MAX_TEXT));
          }
        }
        case "labelsFile" -> f.labelsFile = text(p, v, "model.labelsFile", MAX_TEXT);
        case "inputWidth" -> f.inputWidth = intValue(p, v, "model.inputWidth");
        case "inputHeight" -> f.inputHeight = intValue(p, v, "model.inputHeight");
        case "name" -> f.modelName = text(p, v, "model.name", MAX_TEXT);
        case "resize" -> f.resize = text(p, v, "model.resize", 16);
        default -> throw malformed("unknown field \"model." + abbreviate(name) + "\"");
      }
    }
  }

  private static void readRange(JsonParser p, JsonToken t, Fields f) throws IOException {
    expect(t, JsonToken.START_OBJECT, "range");
    f.hasRange = true;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "frameCount" -> f.frameCount = longValue(p, v, "range.frameCount");
        case "startPts" -> {
          f.startPts = longValue(p, v, "range.startPts");
          f.times |= 1;
        }
        case "endPts" -> {
          f.endPts = longValue(p, v, "range.endPts");
          f.times |= 2;
        }
        case "startDts" -> {
          f.startDts = longValue(p, v, "range.startDts");
          f.times |= 4;
        }
        case "bytes" -> f.rangeBytes = longValue(p, v, "range.bytes");
        case "gopFrames" -> {
          expect(v, JsonToken.START_ARRAY, "range.gopFrames");
          int[] gops = new int[16];
          int n = 0;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (n >= MAX_GOPS) {
              throw malformed("more than " + MAX_GOPS + " groups of pictures in a segment");
            }
            int g = intValue(p, p.currentToken(), "a group of pictures");
            if (g < 0) {
              throw malformed("a group of pictures has " + g + " frames");
            }
            if (n == gops.length) {
              gops = java.util.Arrays.copyOf(gops, n * 2);
            }
            gops[n++] = g;
          }
          f.gopFrames = java.util.Arrays.copyOf(gops, n);
        }
        default -> throw malformed("unknown field \"range." + abbreviate(name) + "\"");
      }
    }
  }

  /** The fields as read, checked and assembled by {@link #build()}. */
  private static final class Fields {
    int version = -1;
    @Nullable String kind;
    @Nullable String job;
    @Nullable String input;
    boolean hasModel;
    @Nullable String modelPath;
    @Nullable String modelSha256;
    @Nullable String format;
    final List<String> labels = new ArrayList<>();
    @Nullable String labelsFile;
    int inputWidth;
    int inputHeight;
    @Nullable String modelName;
    @Nullable String resize;
    double confidence = Double.NaN;
    double iou = Double.NaN;
    int frameStride = -1;
    @Nullable Boolean keyframesOnly;
    long chunkBytes = -1;
    @Nullable String chunkDuration;
    int batch = -1;
    int segment = -1;
    int segmentCount = -1;
    long firstFrameId = -1;
    boolean hasRange;
    long frameCount = -1;
    long startPts;
    long endPts;
    long startDts;
    int times; // which of startPts, endPts, startDts were given (bits 1, 2, 4)
    long rangeBytes = -1;
    int @Nullable [] gopFrames;

    SegmentTask build() {
      if (version != VERSION) {
        throw malformed(version < 0 ? "no version" : "version " + version + ", this worker reads version " + VERSION);
      }
      Kind k = switch (require(kind, "kind")) {
        case "segment" -> Kind.SEGMENT;
        case "tail" -> Kind.TAIL;
        default -> throw malformed("unknown kind \"" + abbreviate(kind) + "\"");
      };
      JobFingerprint fp;
      try {
        fp = JobFingerprint.parse(require(job, "job"));
      } catch (IllegalArgumentException e) {
        throw malformed("its job fingerprint is not valid: " + e.getMessage());
      }
      if (fp.scope() != JobFingerprint.Scope.JOB) {
        throw malformed("its fingerprint is a " + fp.scope() + " fingerprint, not a job's");
      }
      String in = checkInput(require(input, "input"));
      if (!hasModel) {
        throw malformed("no model");
      }
      Path modelFile = absolutePath(require(modelPath, "model.path"), "model.path");
      String sha = require(modelSha256, "model.sha256");
      if (!HEX64.matcher(sha).matches()) {
        throw malformed("model.sha256 is not 64 lower-case hex digits");
      }
      ModelSpec spec;
      try {
        ModelFormat fmt = ModelFormat.fromId(require(format, "model.format"));
        ResizeMode rm = ResizeMode.valueOf(require(resize, "model.resize").toUpperCase(Locale.ROOT));
        spec = new ModelSpec(modelFile, fmt, labels, labelsFile == null ? null : absolutePath(labelsFile, "model.labelsFile"),
            inputWidth, inputHeight, modelName, rm);
      } catch (IllegalArgumentException e) {
        throw malformed("its model is not valid: " + e.getMessage());
      }
      DetectionParams dp;
      try {
        dp = new DetectionParams(confidence, iou);
      } catch (IllegalArgumentException e) {
        throw malformed("its thresholds are not valid: " + e.getMessage());
      }
      if (keyframesOnly == null || frameStride < 1 || batch < 0 || chunkBytes < 0 || segmentCount < 1 || firstFrameId < 0) {
        throw malformed("keyframesOnly, frameStride, batch, chunkBytes, segmentCount or firstFrameId missing or out of range");
      }
      Duration chunk = null;
      if (chunkDuration != null) {
        try {
          chunk = Duration.parse(chunkDuration);
        } catch (DateTimeParseException e) {
          throw malformed("chunkDuration \"" + abbreviate(chunkDuration) + "\" is not an ISO-8601 duration");
        }
        if (chunk.isNegative() || chunk.isZero()) {
          throw malformed("chunkDuration is not positive");
        }
      }
      VideoIndex.Segment r = null;
      if (k == Kind.SEGMENT) {
        if (!hasRange || gopFrames == null || frameCount < 0 || rangeBytes < 0 || times != 7) {
          throw malformed("a segment task without a complete range");
        }
        long sum = 0;
        for (int g : gopFrames) {
          sum += g;
        }
        if (sum != frameCount) {
          throw malformed("its groups of pictures hold " + sum + " frames, the segment " + frameCount);
        }
        if (firstFrameId > Long.MAX_VALUE / 2 || frameCount > Long.MAX_VALUE / 2) {
          throw malformed("frame ids out of range");
        }
        try {
          r = new VideoIndex.Segment(segment, firstFrameId, frameCount, startPts, endPts, startDts, rangeBytes, gopFrames);
        } catch (IllegalArgumentException e) {
          throw malformed("its segment is not valid: " + e.getMessage());
        }
      } else if (hasRange) {
        throw malformed("a tail task has no range");
      }
      SegmentTask task;
      try {
        task = new SegmentTask(k, fp, in, spec, sha, dp, frameStride, keyframesOnly, chunkBytes, chunk, batch, segment, segmentCount,
            firstFrameId, r);
      } catch (IllegalArgumentException e) {
        throw malformed(e.getMessage());
      }
      task.checkAgainstFingerprint();
      return task;
    }
  }

  /**
   * Checks that the fields the fingerprint also holds say the same, so a task cannot name one job and
   * run another's settings.
   */
  private void checkAgainstFingerprint() {
    var f = job.fields();
    agree("model.path", model.path().toString(), f);
    agree("model.sha256", modelSha256, f);
    agree("model.format", model.format().id(), f);
    agree("resize", model.resize().name().toLowerCase(Locale.ROOT), f);
    agree("confidence", Double.toString(params.confidence()), f);
    agree("iou", Double.toString(params.iou()), f);
    agree("frameStride", Integer.toString(frameStride), f);
    agree("keyframesOnly", Boolean.toString(keyframesOnly), f);
    agree("chunk.bytes", Long.toString(chunkBytes), f);
    agree("chunk.duration", chunkDuration == null ? "none" : chunkDuration.toString(), f);
    if (!remoteInput()) {
      agree("input.path", input, f);
    }
  }

  private static void agree(String key, String value, java.util.SortedMap<String, String> fields) {
    if (!value.equals(fields.get(key))) {
      throw malformed("its " + key + " (" + abbreviate(value) + ") is not its fingerprint's (" + abbreviate(String.valueOf(fields.get(key))) + ")");
    }
  }

  /** An absolute, normalised local path without NUL, or an http(s) URI with a host and no user info. */
  private static String checkInput(String in) {
    if (in.startsWith("http://") || in.startsWith("https://")) {
      URI u;
      try {
        u = new URI(in);
      } catch (URISyntaxException e) {
        throw malformed("its input is not a valid URI");
      }
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null || u.getRawUserInfo() != null || u.isOpaque()) {
        throw malformed("its input URI must be http(s) with a host and no user information");
      }
      return in;
    }
    return absolutePath(in, "input").toString();
  }

  private static Path absolutePath(String s, String what) {
    if (s.isEmpty() || s.indexOf('\0') >= 0) {
      throw malformed(what + " is empty or holds a NUL character");
    }
    Path p;
    try {
      p = Path.of(s);
    } catch (InvalidPathException e) {
      throw malformed(what + " is not a path: " + e.getReason());
    }
    if (!p.isAbsolute() || !p.normalize().equals(p) || !p.toString().equals(s)) {
      throw malformed(what + " \"" + abbreviate(s) + "\" is not an absolute, normalised path");
    }
    return p;
  }

  private static String require(@Nullable String v, String what) {
    if (v == null) {
      throw malformed("no " + what);
    }
    return v;
  }

  private static void expect(@Nullable JsonToken t, JsonToken wanted, String what) {
    if (t != wanted) {
      throw malformed(what + " is not " + (wanted == JsonToken.START_OBJECT ? "an object" : wanted == JsonToken.START_ARRAY ? "an array" : "closed"));
    }
  }

  private static String text(JsonParser p, @Nullable JsonToken t, String what, int max) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw malformed(what + " is not a string");
    }
    if (p.getTextLength() > max) {
      throw malformed(what + " is longer than " + max + " characters");
    }
    return p.getText();
  }

  private static int intValue(JsonParser p, @Nullable JsonToken t, String what) throws IOException {
    long v = longValue(p, t, what);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw malformed(what + " is out of range");
    }
    return (int) v;
  }

  private static long longValue(JsonParser p, @Nullable JsonToken t, String what) throws IOException {
    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw malformed(what + " is not an integer in range");
    }
    return p.getLongValue();
  }

  private static double doubleValue(JsonParser p, @Nullable JsonToken t, String what) throws IOException {
    if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
      throw malformed(what + " is not a number");
    }
    if (p.getTextLength() > 64) {
      throw malformed(what + " is longer than 64 characters");
    }
    double d = p.getDoubleValue();
    if (!Double.isFinite(d)) {
      throw malformed(what + " is not finite");
    }
    return d;
  }

  private static boolean bool(@Nullable JsonToken t, String what) {
    if (t == JsonToken.VALUE_TRUE) {
      return true;
    }
    if (t == JsonToken.VALUE_FALSE) {
      return false;
    }
    throw malformed(what + " is not true or false");
  }

  private static RefusedInputException malformed(String why) {
    return new RefusedInputException("FW-820", null, "segment task refused: " + why, null);
  }

  private static String abbreviate(@Nullable String s) {
    String v = String.valueOf(s).replaceAll("\\p{Cntrl}", "?");
    return v.length() > 80 ? v.substring(0, 77) + "..." : v;
  }
}
