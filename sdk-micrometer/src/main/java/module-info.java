/**
 * Framewise's jobs as Micrometer meters. Micrometer's jar is the automatic module {@code micrometer.core}.
 */
@SuppressWarnings("requires-automatic")
module io.framewise.micrometer {
  requires transitive io.framewise;
  requires transitive micrometer.core;
  requires static org.jspecify;

  exports io.framewise.micrometer;
}
