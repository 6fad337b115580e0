/**
 * Framewise for Jakarta EE: a CDI producer of an application-wide, configured
 * {@link io.framewise.VideoDetector}. MicroProfile Config is read where the runtime has it, found
 * through the application's class loader and called reflectively: this module does not require it (its
 * API jar has no stable module name). The package is open to the CDI container, which creates its
 * beans reflectively.
 */
module io.framewise.jakarta {
  requires transitive io.framewise;
  requires transitive jakarta.cdi;
  requires transitive jakarta.inject;
  requires java.naming;
  requires org.slf4j;
  requires static org.jspecify;

  exports io.framewise.jakarta;
  opens io.framewise.jakarta;
}
