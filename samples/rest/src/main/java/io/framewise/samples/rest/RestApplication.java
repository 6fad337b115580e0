package io.framewise.samples.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Map;

/**
 * The sample's Jakarta REST application, at the WAR's root: {@code GET /} (the page) and {@code /jobs}.
 */
@ApplicationPath("/")
public class RestApplication extends Application {

  /**
   * Turns on multipart bodies ({@code POST /jobs} with a form field {@code video}) by name, so the WAR does
   * not compile against the runtime's Jersey: Jakarta REST 3.1's {@code EntityPart} needs it in Jersey.
   */
  @Override
  public Map<String, Object> getProperties() {
    return Map.of("jersey.config.server.provider.classnames", "org.glassfish.jersey.media.multipart.MultiPartFeature");
  }
}
