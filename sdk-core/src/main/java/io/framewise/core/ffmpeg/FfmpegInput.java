package io.framewise.core.ffmpeg;

import static org.bytedeco.ffmpeg.global.avformat.av_probe_input_format;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;

import io.framewise.CorruptMediaException;
import io.framewise.MediaException;
import io.framewise.RefusedInputException;
import io.framewise.UnsupportedMediaException;
import io.framewise.spi.RemoteVideo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVProbeData;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.javacpp.BytePointer;
import org.jspecify.annotations.Nullable;

/**
 * What FFmpeg is asked to open, and what it may open while doing so (see
 * {@code docs/design/0005-input-safety.md}).
 *
 * <p>A local file is handed over as {@code file:} plus its absolute path, so no name is ever read as
 * a protocol ({@code http:...}, {@code pipe:0}, {@code concat:...}, {@code clip:01.mp4}), and with
 * {@code protocol_whitelist=file}. A remote URI (only when the caller allowed its scheme) gets the
 * protocols its scheme needs and never {@code file}. In both cases {@code format_whitelist} limits the
 * demuxers to {@link #DEMUXERS}: formats that read only the bytes they were given. Playlists and
 * scripts (HLS, DASH, concat, IMF, image sequences, VobSub, SDP/RTSP) are left out, because they open
 * further files or addresses named inside them.
 */
public final class FfmpegInput {

  /**
   * Demuxers FFmpeg may use: video containers, video elementary streams, single images and the common
   * audio containers (so an audio-only file still says "no video stream"). None of them opens another
   * file or address; the ones that do are absent, which is why this is an allow-list: a demuxer added
   * by a later FFmpeg is refused until someone has looked at it.
   */
  static final List<String> DEMUXERS = List.of(
      // containers
      "mov", "matroska", "avi", "mpegts", "mpeg", "asf", "flv", "live_flv", "ogg", "mxf", "nut", "rm", "wtv", "dv", "gxf",
      "lxf", "nuv", "nsv", "swf", "ivf", "yuv4mpegpipe", "smk", "bink", "flic", "dhav", "pva", "ty", "gif", "apng",
      // video elementary streams
      "h264", "hevc", "vvc", "evc", "av1", "obu", "m4v", "mpegvideo", "h261", "h263", "vc1", "vc1test", "dirac",
      "cavsvideo", "avs2", "avs3", "dnxhd", "apv", "mjpeg", "mjpeg_2000",
      // single images (content-probed; the file-name based image2 demuxer reads numbered sequences and is absent)
      "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif_pipe", "j2k_pipe", "ppm_pipe", "pgm_pipe",
      "pam_pipe", "qoi_pipe", "dpx_pipe", "exr_pipe", "jpegxl_pipe",
      // audio containers
      "wav", "w64", "mp3", "aac", "ac3", "eac3", "flac", "aiff", "caf", "amr", "au", "wv", "ape", "dts", "truehd", "mlp",
      "loas", "tta", "tak", "oma", "mpc", "mpc8", "gsm", "voc");

  private static final String FORMAT_WHITELIST = String.join(",", DEMUXERS);

  /** FFmpeg protocols a remote scheme needs (its own and the ones it is built on). */
  private static final Map<String, String> REMOTE_PROTOCOLS = Map.of("http", "http,tcp", "https", "https,tls,tcp");

  /** Demuxers that open what they name, with what they are, for the refusal message. */
  private static final Map<String, String> OPENERS = Map.ofEntries(
      Map.entry("hls", "an HLS playlist"), Map.entry("dash", "a DASH manifest"), Map.entry("concat", "a concat script"),
      Map.entry("imf", "an IMF composition"), Map.entry("image2", "an image sequence pattern"),
      Map.entry("vobsub", "a VobSub index"), Map.entry("sdp", "an SDP session description"), Map.entry("rtsp", "an RTSP session"),
      Map.entry("rtp", "an RTP session"), Map.entry("sap", "a SAP announcement"));

  private final @Nullable Path path;
  private final @Nullable RemoteVideo remote;
  private final String url;
  private final String protocols;

  private FfmpegInput(@Nullable Path path, @Nullable RemoteVideo remote, String url, String protocols) {
    this.path = path;
    this.remote = remote;
    this.url = url;
    this.protocols = protocols;
  }

  /** A local file: exactly that file, whatever its name. */
  static FfmpegInput local(Path path) {
    return new FfmpegInput(path, null, "file:" + path.toAbsolutePath(), "file");
  }

  /** A remote video whose scheme the caller allowed: its allowed schemes' protocols only (a redirect may move between them). */
  public static FfmpegInput remote(RemoteVideo video) {
    Set<String> protocols = new TreeSet<>();
    for (String scheme : video.allowedSchemes()) {
      String p = REMOTE_PROTOCOLS.get(scheme.toLowerCase(Locale.ROOT));
      if (p == null) {
        throw new IllegalArgumentException("the FFmpeg decoder cannot read scheme '" + scheme + "'; it reads " + REMOTE_PROTOCOLS.keySet());
      }
      protocols.addAll(List.of(p.split(",")));
    }
    return new FfmpegInput(null, video, video.uri().toASCIIString(), String.join(",", protocols));
  }

  /** The local file, or null for a remote input. */
  @Nullable Path path() {
    return path;
  }

  /** The file name the JSON reports: the path's, or the URI's last path segment. */
  String fileName() {
    return path != null ? String.valueOf(path.getFileName()) : java.util.Objects.requireNonNull(remote).fileName();
  }

  /** The URL handed to FFmpeg. */
  String url() {
    return url;
  }

  /** The input as messages name it: the path, or the URI without its query and user information. */
  String display() {
    return path != null ? path.toString() : java.util.Objects.requireNonNull(remote).display();
  }

  /** The options for {@code avformat_open_input}; the caller frees the dictionary. */
  AVDictionary options() {
    AVDictionary options = new AVDictionary(null);
    av_dict_set(options, "protocol_whitelist", protocols, 0);
    av_dict_set(options, "format_whitelist", FORMAT_WHITELIST, 0);
    return options;
  }

  CorruptMediaException corrupt(String code, String message) {
    return path != null ? new CorruptMediaException(code, path, message, null)
        : new CorruptMediaException(code, null, display() + ": " + message, null);
  }

  UnsupportedMediaException unsupported(String code, String message) {
    return path != null ? new UnsupportedMediaException(code, path, message, null)
        : new UnsupportedMediaException(code, null, display() + ": " + message, null);
  }

  /**
   * Explains why {@code avformat_open_input} failed when FFmpeg refused a format or protocol this input
   * does not allow (it logs "... not on whitelist"): names the format, probed from the file's first
   * mebibyte as FFmpeg does. A format that opens what it names (a playlist, a script) is refused
   * (FW-110); any other format off the list is unsupported (FW-114). Returns null when nothing was
   * refused (the failure is something else).
   *
   * @param ffmpegLine the line FFmpeg logged about the refusal, or null
   */
  @Nullable MediaException refusal(@Nullable String ffmpegLine) {
    String format = probe();
    boolean formatRefused = format != null && !allowed(format);
    if (ffmpegLine == null && !formatRefused) {
      return null;
    }
    String message;
    if (formatRefused) {
      String what = OPENERS.get(format.split(",")[0]);
      if (what == null) {
        return unsupported("FW-114", "is of FFmpeg format '" + format + "', which Framewise does not read (not a video container)");
      }
      message = "is " + what + " (FFmpeg format '" + format + "'), which makes FFmpeg open the files or addresses named inside it"
          + "; Framewise reads only media files that hold their own data";
    } else if (ffmpegLine.startsWith("Format")) {
      message = "is a playlist, a script or another format Framewise does not read (FFmpeg refused its format)"
          + "; Framewise reads only media files that hold their own data";
    } else {
      message = "refused: reading it needs a protocol this input may not use (FFmpeg: " + ffmpegLine
          + "); Framewise reads a local file as that file only, and a remote one over the schemes the caller allowed";
    }
    return path != null ? new RefusedInputException("FW-110", path, message, null)
        : new RefusedInputException("FW-110", null, display() + ": " + message, null);
  }

  static boolean allowed(String format) {
    for (String name : format.split(",")) {
      if (DEMUXERS.contains(name)) {
        return true;
      }
    }
    return false;
  }

  private @Nullable String probe() {
    if (path == null) {
      return null;
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(path)) {
      head = in.readNBytes(1 << 20);
    } catch (IOException e) {
      return null;
    }
    try (AVProbeData pd = new AVProbeData();
        BytePointer name = new BytePointer(url);
        BytePointer buf = new BytePointer(head.length + 64L)) {
      buf.fill(0);
      buf.put(head);
      pd.filename(name).buf(buf).buf_size(head.length).mime_type(null);
      AVInputFormat f = av_probe_input_format(pd, 1);
      return f == null || f.isNull() ? null : f.name().getString();
    }
  }
}
