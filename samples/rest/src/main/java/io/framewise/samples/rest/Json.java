package io.framewise.samples.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framewise.JobError;

/** The small JSON documents of the API, built with Jackson (the SDK's JSON library) as strings. */
final class Json {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** {@return an RFC 9457 problem document} */
  static String problem(int status, String code, String title, String detail) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("type", Problem.type(code));
    n.put("title", title);
    n.put("status", status);
    n.put("detail", detail);
    n.put("code", code);
    return n.toString();
  }

  /** {@return {"id": id}} */
  static String id(String id) {
    return MAPPER.createObjectNode().put("id", id).toString();
  }

  /** {@return a job's status document} */
  static String status(JobRecord.Snapshot s) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("id", s.id());
    n.put("state", s.state().json());
    n.put("framesDone", s.framesDone());
    n.put("framesTotal", s.framesTotal());
    n.put("fps", Math.round(s.fps() * 100) / 100.0);
    if (s.etaSeconds() == null) {
      n.putNull("etaSeconds");
    } else {
      n.put("etaSeconds", s.etaSeconds());
    }
    ArrayNode errors = n.putArray("errors");
    for (JobError e : s.errors()) {
      ObjectNode o = errors.addObject();
      o.put("code", e.code());
      o.put("message", e.message());
      if (e.frameId() != null) {
        o.put("frameId", e.frameId());
      }
    }
    return n.toString();
  }
}
