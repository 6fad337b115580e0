package io.framewise.spi;

import io.framewise.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The one identity of a job: what makes two runs "the same job", derived from the complete
 * configuration, so that a checkpoint, the video index cache and the model session cache all decide
 * identity the same way, and a distributed run can name its job with one small value.
 *
 * <p>A fingerprint is a set of named fields and the hex SHA-256 of their canonical encoding: a first
 * line {@code framewise-fingerprint VERSION SCOPE}, then one {@code key=value} line per field, keys in
 * ascending order, values with {@code \}, line feed and carriage return escaped as {@code \\},
 * {@code \n} and {@code \r}, UTF-8, every line ended by a line feed. Two fingerprints are equal when
 * their hashes are.
 *
 * <p>{@link #of(JobConfig)} covers everything that shapes a job's results:
 * <ul>
 *   <li>the input: absolute path, size, modification time and the SHA-256 of its first and last MiB;
 *   <li>the model: absolute path and the SHA-256 of its whole content (computed once per file
 *       version: memoised by path, size, modification and change time, so not recomputed per segment
 *       or job), the format, the labels (the list, or the labels file's path and content hash), the
 *       input size and the reported name;
 *   <li>the resize mode, confidence and IoU thresholds, frame stride, keyframes-only, the chunk size
 *       (it fixes the segments a checkpoint is made of);
 *   <li>the decoder and model adapter providers' names and versions, and Framewise's version.
 * </ul>
 * It leaves out what cannot change the results, so a job resumed with other values reuses its
 * checkpoint: parallelism, batch size, the memory budget, the checkpoint directory itself, listeners,
 * and the result writer (segments hold detections, not output bytes).
 *
 * <p>{@link #ofModel} and {@link #ofIndex} are the parts that a model session and a video index
 * depend on, derived by the same code, so a cache keyed by them agrees with the job fingerprint.
 *
 * <h2>Thread safety</h2>
 * Immutable and thread-safe. Serialisable as its canonical encoding.
 *
 * @since 0.1
 */
public final class JobFingerprint implements Serializable {

  /** The version of the canonical encoding; a change of fields or encoding bumps it. */
  public static final int VERSION = 1;

  @Serial
  private static final long serialVersionUID = 1L;
  private static final String MAGIC = "framewise-fingerprint";
  /** Bytes hashed at each end of the input. */
  private static final int SAMPLE_BYTES = 1 << 20;
  private static final int MAX_VALUE_IN_MESSAGE = 120;

  /** What a fingerprint covers. */
  public enum Scope {
    /** Everything that shapes a job's results ({@link #of(JobConfig)}). */
    JOB,
    /** The model and how it is read ({@link #ofModel}): what a loaded session depends on. */
    MODEL,
    /** The input, the decoder and the chunking ({@link #ofIndex}): what a video index depends on. */
    INDEX
  }

  private final Scope scope;
  private final SortedMap<String, String> fields;
  private final String hex;

  private JobFingerprint(Scope scope, SortedMap<String, String> fields) {
    this.scope = scope;
    this.fields = Collections.unmodifiableSortedMap(new TreeMap<>(fields));
    this.hex = HexFormat.of().formatHex(sha256().digest(canonicalForm().getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Derives the fingerprint of a job.
   *
   * @param config the job
   * @return its fingerprint
   * @throws IOException if the input, the model or the labels file cannot be read (or is not a regular file)
   */
  public static JobFingerprint of(JobConfig config) throws IOException {
    TreeMap<String, String> f = new TreeMap<>();
    if (config.remote() != null) {
      remoteFields(f, config.decoder(), config.remote(), config.options());
    } else {
      indexFields(f, config.decoder(), config.video(), config.options());
    }
    modelFields(f, config.model());
    f.put("adapter", config.modelAdapter().name());
    f.put("adapter.version", versionOf(config.modelAdapter()));
    f.put("resize", config.model().resize().name().toLowerCase(java.util.Locale.ROOT));
    f.put("confidence", Double.toString(config.params().confidence()));
    f.put("iou", Double.toString(config.params().iou()));
    f.put("frameStride", Integer.toString(config.options().frameStride()));
    f.put("keyframesOnly", Boolean.toString(config.options().keyframesOnly()));
    return new JobFingerprint(Scope.JOB, f);
  }

  /**
   * Derives the identity of a model as read by an adapter: its content and every override that
   * changes what a loaded model reports or detects (not the resize mode or thresholds, which apply per
   * job).
   *
   * @param spec the model
   * @return its fingerprint
   * @throws IOException if the model or its labels file cannot be read (or is not a regular file)
   */
  public static JobFingerprint ofModel(ModelSpec spec) throws IOException {
    TreeMap<String, String> f = new TreeMap<>();
    modelFields(f, spec);
    return new JobFingerprint(Scope.MODEL, f);
  }

  /**
   * Derives the identity of a video index: the input, the decoder and the chunk size.
   *
   * @param decoder the decoder provider
   * @param video the input
   * @param options the job's options (only the chunk size counts)
   * @return its fingerprint
   * @throws IOException if the input cannot be read (or is not a regular file)
   */
  public static JobFingerprint ofIndex(VideoDecoderProvider decoder, Path video, PipelineOptions options) throws IOException {
    TreeMap<String, String> f = new TreeMap<>();
    indexFields(f, decoder, video, options);
    return new JobFingerprint(Scope.INDEX, f);
  }

  /**
   * Reads a fingerprint back from its {@linkplain #canonicalForm() canonical form}.
   *
   * @param canonical the canonical form
   * @return the fingerprint
   * @throws IllegalArgumentException if the text is not a canonical form of this version
   */
  public static JobFingerprint parse(String canonical) {
    if (!canonical.endsWith("\n")) {
      throw new IllegalArgumentException("a canonical fingerprint ends with a line feed");
    }
    String[] lines = canonical.substring(0, canonical.length() - 1).split("\n", -1);
    String[] head = lines[0].split(" ", -1);
    if (head.length != 3 || !head[0].equals(MAGIC)) {
      throw new IllegalArgumentException("not a Framewise fingerprint: " + abbreviate(lines[0]));
    }
    if (!head[1].equals(Integer.toString(VERSION))) {
      throw new IllegalArgumentException("fingerprint version " + abbreviate(head[1]) + " is not " + VERSION);
    }
    Scope scope;
    try {
      scope = Scope.valueOf(head[2].toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown fingerprint scope " + abbreviate(head[2]), e);
    }
    TreeMap<String, String> fields = new TreeMap<>();
    String previous = null;
    for (int i = 1; i < lines.length; i++) {
      int eq = lines[i].indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("line " + (i + 1) + " is not key=value");
      }
      String key = lines[i].substring(0, eq);
      if (previous != null && previous.compareTo(key) >= 0) {
        throw new IllegalArgumentException("keys are not in ascending order at line " + (i + 1));
      }
      previous = key;
      fields.put(key, unescape(lines[i].substring(eq + 1)));
    }
    JobFingerprint parsed = new JobFingerprint(scope, fields);
    if (!parsed.canonicalForm().equals(canonical)) {
      throw new IllegalArgumentException("not in canonical form");
    }
    return parsed;
  }

  /**
   * Returns the hex SHA-256 of the canonical form: the identity itself (64 lower-case hex digits).
   *
   * @return the hash
   */
  public String hex() {
    return hex;
  }

  /**
   * Returns what this fingerprint covers.
   *
   * @return the scope
   */
  public Scope scope() {
    return scope;
  }

  /**
   * Returns the fields, by key.
   *
   * @return an unmodifiable view, keys in ascending order
   */
  public SortedMap<String, String> fields() {
    return fields;
  }

  /**
   * Returns the canonical encoding that {@link #hex()} hashes.
   *
   * @return the canonical form
   */
  public String canonicalForm() {
    StringBuilder sb = new StringBuilder(64 * (fields.size() + 1));
    sb.append(MAGIC).append(' ').append(VERSION).append(' ').append(scope.name().toLowerCase(java.util.Locale.ROOT)).append('\n');
    fields.forEach((k, v) -> sb.append(k).append('=').append(escape(v)).append('\n'));
    return sb.toString();
  }

  /**
   * Says what differs from an earlier fingerprint, for a log line: the first differing field with its
   * old and new value.
   *
   * @param earlier the other fingerprint
   * @return for example {@code "resize: was opencv, now fast"}, or null when the two are equal
   */
  public @Nullable String differenceFrom(JobFingerprint earlier) {
    if (equals(earlier)) {
      return null;
    }
    if (scope != earlier.scope) {
      return "scope: was " + earlier.scope + ", now " + scope;
    }
    TreeSet<String> keys = new TreeSet<>(fields.keySet());
    keys.addAll(earlier.fields.keySet());
    for (String k : keys) {
      String now = fields.get(k);
      String was = earlier.fields.get(k);
      if (!Objects.equals(now, was)) {
        return k + ": was " + abbreviate(String.valueOf(was)) + ", now " + abbreviate(String.valueOf(now));
      }
    }
    return "the fingerprints differ";
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof JobFingerprint other && hex.equals(other.hex);
  }

  @Override
  public int hashCode() {
    return hex.hashCode();
  }

  /** Returns the scope and hash, for example {@code job:3fa2...}. */
  @Override
  public String toString() {
    return scope.name().toLowerCase(java.util.Locale.ROOT) + ":" + hex;
  }

  // ---- the one derivation of every field ----

  private static void indexFields(Map<String, String> f, VideoDecoderProvider decoder, Path video, PipelineOptions options)
      throws IOException {
    f.put("framewise.version", versionOf(JobFingerprint.class));
    f.put("decoder", decoder.name());
    f.put("decoder.version", versionOf(decoder));
    Path abs = video.toAbsolutePath().normalize();
    BasicFileAttributes a = regularFile(abs, "input");
    f.put("input.path", abs.toString());
    f.put("input.size", Long.toString(a.size()));
    f.put("input.modified", Long.toString(a.lastModifiedTime().toMillis()));
    f.put("input.sampleSha256", sampleHash(abs, a.size()));
    f.put("chunk.bytes", Long.toString(options.chunkBytes()));
    f.put("chunk.duration", options.chunkDuration() == null ? "none" : options.chunkDuration().toString());
  }

  /**
   * A remote input is named by its URI: its redacted form, and a hash of the whole URI (a pre-signed
   * URL's query carries credentials, which a fingerprint written to disk must not hold). Its content
   * is not read, so a fingerprint cannot tell that it changed.
   */
  private static void remoteFields(Map<String, String> f, VideoDecoderProvider decoder, RemoteVideo remote, PipelineOptions options) {
    f.put("framewise.version", versionOf(JobFingerprint.class));
    f.put("decoder", decoder.name());
    f.put("decoder.version", versionOf(decoder));
    f.put("input.uri", remote.display());
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(remote.uri().toASCIIString().getBytes(StandardCharsets.UTF_8));
      f.put("input.uriSha256", HexFormat.of().formatHex(d));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    f.put("chunk.bytes", Long.toString(options.chunkBytes()));
    f.put("chunk.duration", options.chunkDuration() == null ? "none" : options.chunkDuration().toString());
  }

  private static void modelFields(Map<String, String> f, ModelSpec spec) throws IOException {
    f.putIfAbsent("framewise.version", versionOf(JobFingerprint.class));
    Path model = spec.path().toAbsolutePath().normalize();
    f.put("model.path", model.toString());
    f.put("model.sha256", ContentHashes.sha256(model, "model"));
    f.put("model.format", spec.format().id());
    f.put("model.labels", spec.labels().isEmpty() ? "none" : encodeList(spec.labels()));
    Path labels = spec.labelsFile();
    if (labels == null) {
      f.put("model.labelsFile", "none");
    } else {
      Path abs = labels.toAbsolutePath().normalize();
      f.put("model.labelsFile", abs.toString());
      f.put("model.labelsFile.sha256", ContentHashes.sha256(abs, "labels file"));
    }
    f.put("model.input", spec.inputWidth() == 0 ? "model" : spec.inputWidth() + "x" + spec.inputHeight());
    f.put("model.name", spec.displayName());
  }

  /** The implementation version of a provider's jar (or {@code dev} when run from classes), by class. */
  private static String versionOf(Object provider) {
    return versionOf(provider.getClass()) + " " + provider.getClass().getName();
  }

  private static String versionOf(Class<?> type) {
    Package p = type.getPackage();
    String v = p == null ? null : p.getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static String encodeList(List<String> items) {
    StringBuilder sb = new StringBuilder();
    sb.append(items.size());
    for (String s : items) {
      sb.append(',').append(s.length()).append(':').append(s); // length-prefixed: no separator ambiguity
    }
    return sb.toString();
  }

  private static BasicFileAttributes regularFile(Path file, String what) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    if (!a.isRegularFile()) {
      throw new IOException("the " + what + " " + file + " is not a regular file");
    }
    return a;
  }

  /** SHA-256 over the size, the first MiB and the last MiB of a file: cheap for any size. */
  private static String sampleHash(Path file, long size) throws IOException {
    MessageDigest sha = sha256();
    sha.update(ByteBuffer.allocate(Long.BYTES).putLong(0, size));
    try (SeekableByteChannel ch = Files.newByteChannel(file)) {
      ByteBuffer buf = ByteBuffer.allocate(SAMPLE_BYTES);
      readFully(ch, buf);
      sha.update(buf.flip());
      if (size > SAMPLE_BYTES) {
        ch.position(Math.max(SAMPLE_BYTES, size - SAMPLE_BYTES));
        buf.clear();
        readFully(ch, buf);
        sha.update(buf.flip());
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static void readFully(SeekableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining() && ch.read(buf) >= 0) {
      // keep reading
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
  }

  private static String unescape(String v) {
    StringBuilder sb = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (++i == v.length()) {
        throw new IllegalArgumentException("a value ends with a lone backslash");
      }
      char e = v.charAt(i);
      switch (e) {
        case '\\' -> sb.append('\\');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        default -> throw new IllegalArgumentException("unknown escape \\" + e);
      }
    }
    return sb.toString();
  }

  private static String abbreviate(String s) {
    return s.length() > MAX_VALUE_IN_MESSAGE ? s.substring(0, MAX_VALUE_IN_MESSAGE - 3) + "..." : s;
  }

  // ---- serialisation as the canonical form ----

  @Serial
  private Object writeReplace() {
    return new Form(canonicalForm());
  }

  @Serial
  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("a JobFingerprint is serialised as its canonical form");
  }

  /** The serialised form: the canonical encoding, checked again when read. */
  private record Form(String canonical) implements Serializable {
    @Serial
    private Object readResolve() throws InvalidObjectException {
      try {
        return parse(canonical);
      } catch (IllegalArgumentException e) {
        InvalidObjectException ioe = new InvalidObjectException(e.getMessage());
        ioe.initCause(e);
        throw ioe;
      }
    }
  }

  /**
   * Whole-file SHA-256, memoised by what changes when a file's content can have changed: path, size,
   * modification time, change time (where the platform has one) and file key (inode), so a model is
   * hashed once per version, not once per job or segment. Bounded.
   */
  private static final class ContentHashes {
    private static final int MAX_ENTRIES = 64;
    private static final Map<List<Object>, String> MEMO = new LinkedHashMap<>(16, 0.75f, true) {
      @Serial
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<List<Object>, String> eldest) {
        return size() > MAX_ENTRIES;
      }
    };

    private ContentHashes() {}

    static String sha256(Path file, String what) throws IOException {
      List<Object> key = identity(file, what);
      synchronized (MEMO) {
        String known = MEMO.get(key);
        if (known != null) {
          return known;
        }
      }
      MessageDigest sha = JobFingerprint.sha256();
      byte[] buf = new byte[1 << 16];
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.read(buf)) > 0; ) {
          sha.update(buf, 0, n);
        }
      }
      String hex = HexFormat.of().formatHex(sha.digest());
      if (identity(file, what).equals(key)) { // not changed while it was read
        synchronized (MEMO) {
          MEMO.put(key, hex);
        }
      }
      return hex;
    }

    private static List<Object> identity(Path file, String what) throws IOException {
      BasicFileAttributes a = regularFile(file, what);
      Object ctime;
      try {
        ctime = Files.getAttribute(file, "unix:ctime");
      } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
        ctime = "";
      }
      Object fileKey = a.fileKey();
      return List.of(file.toString(), a.size(), a.lastModifiedTime().toMillis(), String.valueOf(ctime),
          fileKey == null ? "" : fileKey.toString());
    }
  }
}
