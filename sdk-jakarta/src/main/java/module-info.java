/**
 * Framewise for Jakarta EE: a CDI producer of an application-wide, configured
 * {@link io.framewise.VideoDetector}. MicroProfile Config is read where the runtime has it (its API
 * jar is the automatic module {@code microprofile.config.api}, named after its file) and is never
 * required. The package is open to the CDI container, which creates its beans reflectively.
 */
@SuppressWarnings("requires-automatic")
module io.framewise.jakarta {
  requires transitive io.framewise;
  requires transitive jakarta.cdi;
  requires transitive jakarta.inject;
  requires java.naming;
  requires org.slf4j;
  requires static microprofile.config.api;
  requires static org.jspecify;

  exports io.framewise.jakarta;
  opens io.framewise.jakarta;
}
