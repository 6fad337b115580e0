package io.framewise.spi;

/**
 * What every provider of an extension point tells about itself.
 *
 * <h2>Thread safety</h2>
 * Providers are stateless and shared: every method must be safe to call from any thread.
 *
 * @since 0.1
 */
public interface Provider {

  /** The SPI version this release of Framewise speaks. */
  int SPI_VERSION = 1;

  /**
   * Returns the provider's name, used to select it by configuration, for example {@code ffmpeg}.
   *
   * @return a short lower-case name
   */
  String name();

  /**
   * Returns the rank among available providers; the highest wins. Built-ins use 0.
   *
   * @return the priority
   */
  default int priority() {
    return 0;
  }

  /**
   * Tells whether this provider can work here, without loading heavy native code.
   *
   * @return true when usable
   */
  default boolean isAvailable() {
    return true;
  }

  /**
   * Returns the SPI version the provider was written against; providers newer than
   * {@link #SPI_VERSION} are rejected.
   *
   * @return the SPI version
   */
  default int spiVersion() {
    return SPI_VERSION;
  }
}
