package io.framewise.samples.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every error as an RFC 9457 problem document: the service's {@link Problem}s as they are, the runtime's
 * own 4xx/5xx (an unknown path, a wrong method, an unsupported content type) with code FW-860, and any
 * other failure as a 500 with code FW-859 (logged; its details are not sent).
 */
@Provider
public class ProblemMapper implements ExceptionMapper<RuntimeException> {

  private static final Logger LOG = Logger.getLogger(ProblemMapper.class.getName());

  @Override
  public Response toResponse(RuntimeException e) {
    if (e instanceof Problem p) {
      return p.getResponse();
    }
    if (e instanceof WebApplicationException w) {
      int status = w.getResponse().getStatus();
      return Response.status(status).type(Problem.MEDIA_TYPE)
          .entity(Json.problem(status, "FW-860", "Request not served",
              String.valueOf(w.getMessage()).replaceAll("\\p{Cntrl}", "?")))
          .build();
    }
    LOG.log(Level.WARNING, "request failed", e);
    return Response.status(500).type(Problem.MEDIA_TYPE)
        .entity(Json.problem(500, "FW-859", "Internal failure", "the request failed inside the service; see its log"))
        .build();
  }
}
