package io.framewise;

import io.framewise.spi.Provider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/** Chooses the provider of an extension point; see the {@code io.framewise.spi} package docs. */
final class ProviderLookup {

  private ProviderLookup() {}

  /**
   * Returns the configured name for a key: the system property {@code framewise.<key>}, else the
   * environment variable {@code FRAMEWISE_<KEY>}.
   */
  static @Nullable String configuredName(String key) {
    String value = System.getProperty("framewise." + key);
    if (value == null || value.isBlank()) {
      value = System.getenv("FRAMEWISE_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
    return value == null || value.isBlank() ? null : value.trim();
  }

  static <P extends Provider> P select(
      Class<P> type, String key, @Nullable P explicit, ClassLoader loader, Predicate<? super P> fits, String purpose) {
    if (explicit != null) {
      return explicit;
    }
    String wanted = configuredName(key);
    List<String> rejected = new ArrayList<>();
    P best = null;
    Iterator<P> it = ServiceLoader.load(type, loader).iterator();
    while (true) {
      P candidate;
      try {
        if (!it.hasNext()) {
          break;
        }
        candidate = it.next();
      } catch (ServiceConfigurationError e) {
        rejected.add("(unloadable: " + e.getMessage() + ")");
        continue;
      }
      String name = candidate.name();
      if (wanted != null && !wanted.equalsIgnoreCase(name)) {
        rejected.add(name + " (not the configured '" + wanted + "')");
      } else if (candidate.spiVersion() > Provider.SPI_VERSION) {
        rejected.add(name + " (needs SPI version " + candidate.spiVersion() + ", this release speaks " + Provider.SPI_VERSION + ")");
      } else if (!candidate.isAvailable()) {
        rejected.add(name + " (not available on this machine)");
      } else if (!fits.test(candidate)) {
        rejected.add(name + " (does not handle " + purpose + ")");
      } else if (best == null || candidate.priority() > best.priority()) {
        if (best != null) {
          rejected.add(best.name() + " (lower priority)");
        }
        best = candidate;
      } else {
        rejected.add(name + " (lower priority)");
      }
    }
    if (best == null) {
      throw new NoProviderException(
          "no " + type.getSimpleName() + " for " + purpose
              + (wanted == null ? "" : " named '" + wanted + "'")
              + "; candidates: " + (rejected.isEmpty() ? "none on the class path (add sdk-core / sdk-gpu)" : String.join(", ", rejected)),
          null);
    }
    return best;
  }
}
