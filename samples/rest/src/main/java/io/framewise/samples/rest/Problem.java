package io.framewise.samples.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Locale;

/**
 * A failed request, answered as an RFC 9457 problem document ({@code application/problem+json}) that
 * carries a stable Framewise code: {@code type} links the code's entry in docs/errors.md, {@code code} is the
 * code itself ({@code FW-85x} for the service's own errors, the SDK's code when the SDK refused the input).
 */
public final class Problem extends WebApplicationException {

  private static final long serialVersionUID = 1L;

  /** The media type of problem documents. */
  public static final String MEDIA_TYPE = "application/problem+json";

  private final int status;
  private final String code;
  private final String title;
  private final String detail;

  /**
   * Describes a problem.
   *
   * @param status the HTTP status
   * @param code the Framewise code
   * @param title a short summary of the kind of problem
   * @param detail what went wrong in this request
   */
  public Problem(int status, String code, String title, String detail) {
    super(detail, status);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
  }

  /** {@return the HTTP status} */
  public int status() {
    return status;
  }

  /** {@return the Framewise code} */
  public String code() {
    return code;
  }

  /** {@return the problem as a response} */
  @Override
  public Response getResponse() {
    return Response.status(status).type(MEDIA_TYPE).entity(Json.problem(status, code, title, detail)).build();
  }

  /**
   * {@return the link to a code's entry in docs/errors.md}
   *
   * @param code the code
   */
  static String type(String code) {
    return "https://github.com/framewise/framewise/blob/main/docs/errors.md#" + code.toLowerCase(Locale.ROOT);
  }
}
