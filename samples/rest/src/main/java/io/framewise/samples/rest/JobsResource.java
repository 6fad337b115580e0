package io.framewise.samples.rest;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityPart;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.stream.Collectors;

/**
 * {@code /jobs}: upload a video, follow the job, fetch its JSON, look at its frames, cancel it. Errors are
 * {@code application/problem+json} documents with a Framewise code ({@link Problem}).
 */
@Path("/jobs")
@RequestScoped
public class JobsResource {

  @Inject Jobs jobs;

  /**
   * Starts a job on the request body, streamed to disk.
   *
   * @param length the Content-Length header, if any
   * @param body the video
   * @return 202 with {@code Location: /jobs/{id}} and {@code {"id": ...}}
   */
  @POST
  @Consumes(MediaType.APPLICATION_OCTET_STREAM)
  @Produces(MediaType.APPLICATION_JSON)
  public Response upload(@HeaderParam("Content-Length") String length, InputStream body) {
    checkLength(length, 0);
    jobs.reserve();
    return startReserved(body);
  }

  /**
   * Starts a job on the multipart form field {@code video} (its file name is ignored).
   *
   * @param length the Content-Length header, if any
   * @param video the form field
   * @return 202 with {@code Location: /jobs/{id}} and {@code {"id": ...}}
   */
  @POST
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  @Produces(MediaType.APPLICATION_JSON)
  public Response uploadForm(@HeaderParam("Content-Length") String length, @FormParam("video") EntityPart video) {
    checkLength(length, UploadGate.MULTIPART_SLACK);
    if (video == null) {
      throw new Problem(400, "FW-853", "Not a video", "the form has no field 'video'");
    }
    jobs.reserve();
    return startReserved(video.getContent());
  }

  private Response startReserved(InputStream body) {
    JobRecord job;
    try {
      job = jobs.store(body);
    } catch (RuntimeException e) {
      jobs.release();
      throw e;
    }
    jobs.start(job);
    return Response.accepted(Json.id(job.id())).type(MediaType.APPLICATION_JSON)
        .location(URI.create("/jobs/" + job.id())).build();
  }

  private void checkLength(String length, long slack) {
    if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) > jobs.maxUpload() + slack) {
      throw Jobs.tooLarge(jobs.maxUpload());
    }
  }

  /**
   * A job's state and progress.
   *
   * @param id the job id
   * @return {@code {"state", "framesDone", "framesTotal", "fps", "etaSeconds", "errors"}}
   */
  @GET
  @Path("{id}")
  @Produces(MediaType.APPLICATION_JSON)
  public String status(@PathParam("id") String id) {
    return Json.status(jobs.find(id).snapshot());
  }

  /**
   * The job's JSON document, streamed from disk, once the job is complete.
   *
   * @param id the job id
   * @return the document
   */
  @GET
  @Path("{id}/result")
  @Produces(MediaType.APPLICATION_JSON)
  public Response result(@PathParam("id") String id) {
    JobRecord job = jobs.find(id);
    requireComplete(job, "FW-854", "its result");
    java.nio.file.Path file = job.result();
    StreamingOutput out = os -> {
      try (InputStream in = Files.newInputStream(file)) {
        in.transferTo(os);
      }
    };
    return Response.ok(out, MediaType.APPLICATION_JSON).build();
  }

  /**
   * Frame n of a complete job with its boxes and labels drawn.
   *
   * @param id the job id
   * @param n the frame id (0-based, presentation order, as in the JSON)
   * @return the JPEG
   */
  @GET
  @Path("{id}/frames/{n}.jpg")
  @Produces("image/jpeg")
  public Response frame(@PathParam("id") String id, @PathParam("n") String n) {
    JobRecord job = jobs.find(id);
    if (!n.matches("[0-9]{1,18}")) {
      throw new Problem(400, "FW-856", "No such frame", "'" + n.replaceAll("[^0-9A-Za-z.-]", "?")
          + "' is not a frame number (0, 1, 2, ...)");
    }
    requireComplete(job, "FW-857", "its frames");
    long frame = Long.parseLong(n);
    long frames = job.framesDecoded();
    if (frame >= frames) {
      throw new Problem(404, "FW-856", "No such frame", "the video has " + frames + " frames (0 to " + (frames - 1)
          + "); there is no frame " + frame);
    }
    return Response.ok(job.cursor().jpeg(frame), "image/jpeg").build();
  }

  private static void requireComplete(JobRecord job, String runningCode, String what) {
    JobRecord.State s = job.state();
    if (s == JobRecord.State.COMPLETE) {
      return;
    }
    if (!s.ended()) {
      throw new Problem(409, runningCode, "Not ready", "the job is " + s.json() + "; " + what
          + " can be fetched when it is complete");
    }
    String errors = job.errors().stream().map(e -> e.message() + " (" + e.code() + ")")
        .collect(Collectors.joining("; "));
    throw new Problem(409, "FW-855", "No result", "the job " + (s == JobRecord.State.CANCELLED ? "was cancelled" : "failed")
        + ", so it has no result" + (errors.isEmpty() ? "" : ": " + errors));
  }

  /**
   * Cancels a queued or running job (its files are deleted; it stays listed as cancelled), or forgets an
   * ended one with its files.
   *
   * @param id the job id
   * @return 200 with the cancelled job's status, or 204 when an ended job was forgotten
   */
  @DELETE
  @Path("{id}")
  @Produces(MediaType.APPLICATION_JSON)
  public Response delete(@PathParam("id") String id) {
    JobRecord job = jobs.find(id);
    if (jobs.delete(job)) {
      return Response.ok(Json.status(job.snapshot()), MediaType.APPLICATION_JSON).build();
    }
    return Response.noContent().build();
  }

}
