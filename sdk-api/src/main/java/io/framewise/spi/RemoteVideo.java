package io.framewise.spi;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A remote video the caller asked for on purpose ({@link io.framewise.VideoDetector#newJob(URI)}) on a
 * detector that allows its scheme ({@link io.framewise.VideoDetector.Builder#remoteInput(String...)}).
 * A decoder reads it with the protocols of {@code allowedSchemes} only (a redirect may move between
 * them), never a local file.
 *
 * @param uri an absolute, hierarchical URI with a host, whose scheme is in {@code allowedSchemes}
 * @param allowedSchemes the schemes the detector allows, in lower case
 * @since 0.1
 */
public record RemoteVideo(URI uri, Set<String> allowedSchemes) {

  /** Validates the fields and copies the set. */
  public RemoteVideo {
    Objects.requireNonNull(uri, "uri");
    allowedSchemes = Set.copyOf(allowedSchemes);
    if (uri.getScheme() == null || !allowedSchemes.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("scheme of " + redact(uri) + " is not in " + allowedSchemes);
    }
    if (uri.isOpaque() || uri.getHost() == null) {
      throw new IllegalArgumentException(redact(uri) + " has no host");
    }
  }

  /**
   * Returns the video's file name: the last segment of the URI's path, for messages and the JSON.
   *
   * @return the file name, or the host when the path has none
   */
  public String fileName() {
    String p = uri.getPath();
    if (p != null) {
      int slash = p.lastIndexOf('/');
      String last = p.substring(slash + 1);
      if (!last.isEmpty() && !last.equals(".") && !last.equals("..") && last.indexOf('\0') < 0) {
        return last;
      }
    }
    return uri.getHost();
  }

  /**
   * Returns the URI as messages and logs show it: without user information, query or fragment
   * (a pre-signed URL carries its credentials there).
   *
   * @return the redacted URI
   */
  public String display() {
    return redact(uri);
  }

  /**
   * Removes user information, query and fragment from a URI, for messages and logs.
   *
   * @param uri any URI
   * @return the redacted form
   */
  public static String redact(URI uri) {
    if (uri.isOpaque() || uri.getHost() == null) {
      String s = uri.getScheme() == null ? "" : uri.getScheme() + ":";
      String rest = uri.getRawSchemeSpecificPart();
      int cut = rest == null ? -1 : rest.indexOf('?');
      return s + (rest == null ? "" : cut < 0 ? rest : rest.substring(0, cut) + "?…");
    }
    StringBuilder b = new StringBuilder();
    b.append(uri.getScheme()).append("://");
    if (uri.getRawUserInfo() != null) {
      b.append("…@");
    }
    b.append(uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]" : uri.getHost());
    if (uri.getPort() >= 0) {
      b.append(':').append(uri.getPort());
    }
    b.append(uri.getRawPath() == null ? "" : uri.getRawPath());
    if (uri.getRawQuery() != null) {
      b.append("?…");
    }
    return b.toString();
  }
}
