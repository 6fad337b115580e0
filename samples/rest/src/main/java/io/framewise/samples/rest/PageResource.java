package io.framewise.samples.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;

/** {@code GET /}: the one page (upload, progress bar, frames with their boxes). */
@Path("/")
public class PageResource {

  /** {@return the page} */
  @GET
  @Produces(MediaType.TEXT_HTML + ";charset=utf-8")
  public InputStream page() {
    return PageResource.class.getResourceAsStream("index.html");
  }
}
