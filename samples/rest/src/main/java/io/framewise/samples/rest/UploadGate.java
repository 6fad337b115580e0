package io.framewise.samples.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;

/**
 * Refuses an upload before its body is read: one that declares more than {@code framewise.rest.max-upload}
 * (413, FW-851), or one that comes while {@code framewise.rest.max-jobs} jobs are queued or running (429,
 * FW-852). A filter, because a multipart body is parsed before the resource method is called.
 */
@Provider
public class UploadGate implements ContainerRequestFilter {

  /** Room for a multipart body's boundaries and headers around the video. */
  static final long MULTIPART_SLACK = 64 * 1024;

  @Inject Jobs jobs;

  @Override
  public void filter(ContainerRequestContext request) {
    if (!request.getMethod().equals("POST") || !request.getUriInfo().getPath().replace("/", "").equals("jobs")) {
      return;
    }
    MediaType type = request.getMediaType();
    long slack = type != null && type.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE) ? MULTIPART_SLACK : 0;
    String length = request.getHeaderString("Content-Length");
    if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) > jobs.maxUpload() + slack) {
      request.abortWith(Jobs.tooLarge(jobs.maxUpload()).getResponse());
      return;
    }
    if (jobs.full()) {
      request.abortWith(Jobs.tooMany(jobs.maxJobs()).getResponse());
    }
  }
}
