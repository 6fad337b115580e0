package io.framewise.samples.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.Locale;

/**
 * {@code GET /meters}: the Micrometer meters as JSON, {@code [{"name", "type", "tags": {...}, "values": {...}}]}
 * sorted by name and tags (not {@code /metrics}: Payara Micro serves its own MicroProfile Metrics there): frames processed and failed, frames per second, active jobs, job durations by
 * outcome, failed jobs by code (framewise-micrometer's meters).
 */
@Path("/meters")
@RequestScoped
public class MetricsResource {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Inject MeterRegistry registry;

  /** {@return the meters} */
  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public String metrics() {
    ArrayNode list = MAPPER.createArrayNode();
    registry.getMeters().stream()
        .sorted(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().getTags().toString()))
        .forEach(m -> {
          ObjectNode n = list.addObject();
          n.put("name", m.getId().getName());
          n.put("type", m.getId().getType().name().toLowerCase(Locale.ROOT));
          ObjectNode tags = n.putObject("tags");
          for (Tag t : m.getId().getTags()) {
            tags.put(t.getKey(), t.getValue());
          }
          ObjectNode values = n.putObject("values");
          for (Measurement v : m.measure()) {
            double d = v.getValue();
            values.put(v.getStatistic().getTagValueRepresentation(), Double.isFinite(d) ? d : 0);
          }
        });
    return list.toString();
  }
}
