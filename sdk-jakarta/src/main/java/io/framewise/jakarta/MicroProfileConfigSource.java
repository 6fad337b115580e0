package io.framewise.jakarta;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads keys through the application's MicroProfile Config, found at run time through the application's
 * class loader. Its two methods are called reflectively, so this module neither compiles against nor
 * requires MicroProfile Config (whose API jar has no stable module name): it runs where there is none.
 */
final class MicroProfileConfigSource {

  private static final Logger LOG = LoggerFactory.getLogger(MicroProfileConfigSource.class);
  private static final String PROVIDER = "org.eclipse.microprofile.config.ConfigProvider";
  private static final String CONFIG = "org.eclipse.microprofile.config.Config";

  private MicroProfileConfigSource() {}

  /**
   * Returns a lookup of the application's MicroProfile Config, or null when the runtime has none: its
   * API is not visible to the application, or no implementation is registered.
   */
  static @Nullable Function<String, @Nullable String> find(ClassLoader application) {
    Class<?> provider;
    Method getOptionalValue;
    try {
      provider = Class.forName(PROVIDER, true, application);
      getOptionalValue = Class.forName(CONFIG, false, provider.getClassLoader())
          .getMethod("getOptionalValue", String.class, Class.class);
    } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
      LOG.debug("MicroProfile Config is not on the class path: Framewise reads system properties and the environment");
      return null;
    }
    Object config;
    try {
      config = provider.getMethod("getConfig", ClassLoader.class).invoke(null, application);
    } catch (InvocationTargetException e) {
      // The API without an implementation: ConfigProviderResolver.instance() finds none.
      LOG.info("MicroProfile Config's API is there but no implementation is ({}): Framewise reads system properties "
          + "and the environment", e.getCause().toString());
      return null;
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.info("MicroProfile Config cannot be used ({}): Framewise reads system properties and the environment", e.toString());
      return null;
    }
    return key -> value(getOptionalValue, config, key);
  }

  private static @Nullable String value(Method getOptionalValue, Object config, String key) {
    try {
      Optional<?> v = (Optional<?>) getOptionalValue.invoke(config, key, String.class);
      return v.isPresent() ? v.get().toString() : null;
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new IllegalStateException("MicroProfile Config failed on " + key, cause);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("MicroProfile Config cannot be read: " + e, e);
    }
  }
}
