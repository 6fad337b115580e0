package io.framewise.jakarta;

import java.util.ServiceConfigurationError;
import java.util.function.Function;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads keys through MicroProfile Config. The only class of this module that names MicroProfile
 * Config's types: it is loaded only after {@link #find} has seen that the API is there, so the module
 * runs where it is not.
 */
final class MicroProfileConfigSource {

  private static final Logger LOG = LoggerFactory.getLogger(MicroProfileConfigSource.class);
  private static final String PROVIDER = "org.eclipse.microprofile.config.ConfigProvider";

  private MicroProfileConfigSource() {}

  /**
   * Returns a lookup of the application's MicroProfile Config, or null when the runtime has none: its
   * API is not visible to this module, or no implementation is registered.
   */
  static @Nullable Function<String, @Nullable String> find(ClassLoader application) {
    try {
      Class.forName(PROVIDER, false, MicroProfileConfigSource.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      LOG.debug("MicroProfile Config is not on the class path: Framewise reads system properties and the environment");
      return null;
    }
    try {
      return Lookup.of(application);
    } catch (IllegalStateException | ServiceConfigurationError | LinkageError e) {
      // The API without an implementation: ConfigProviderResolver.instance() finds none.
      LOG.info("MicroProfile Config's API is there but no implementation is ({}): Framewise reads system properties "
          + "and the environment", e.toString());
      return null;
    }
  }

  /** Holds the references to MicroProfile Config's types. */
  private static final class Lookup {
    private Lookup() {}

    static Function<String, @Nullable String> of(ClassLoader application) {
      Config config = ConfigProvider.getConfig(application);
      return key -> config.getOptionalValue(key, String.class).orElse(null);
    }
  }
}
