package io.framewise.samples.rest.launcher;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code java -jar framewise-rest.jar --port N --model MODEL [--labels FILE] [--max-upload SIZE]
 * [--max-jobs N] [--work-dir DIR]}: starts Payara Micro ({@code lib/payara-micro.jar}) with the sample's
 * WAR ({@code framewise-rest.war} beside this jar) at context root {@code /}.
 *
 * <p>The options become system properties, which the application reads through MicroProfile Config:
 * {@code framewise.model} and {@code framewise.labels} (framewise-jakarta's keys, docs/jakarta.md) and the
 * sample's {@code framewise.rest.*} (its README); any other {@code -Dframewise.*} property, framewise-jakarta's
 * job options included, passes through the same way.
 * Payara Micro runs without clustering (no Hazelcast discovery traffic) and without its usage report.
 */
public final class RestLauncher {

  /** Launcher option to the MicroProfile Config key it sets. */
  private static final Map<String, String> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("--model", "framewise.model"); // framewise-jakarta's keys
    OPTIONS.put("--labels", "framewise.labels");
    OPTIONS.put("--max-upload", "framewise.rest.max-upload");
    OPTIONS.put("--max-jobs", "framewise.rest.max-jobs");
    OPTIONS.put("--work-dir", "framewise.rest.work-dir");
    OPTIONS.put("--retention", "framewise.rest.retention");
  }

  private static final String USAGE = "usage: java -jar framewise-rest.jar --port N --model MODEL [--labels FILE]"
      + " [--max-upload SIZE (default 2g)] [--max-jobs N (default 2)] [--work-dir DIR] [--retention MINUTES (default 60)]";

  private RestLauncher() {}

  /**
   * Starts the server; returns when Payara Micro has started (its threads keep the JVM alive).
   *
   * @param args the options above
   * @throws Exception if the runtime cannot start
   */
  public static void main(String[] args) throws Exception {
    PrintStream err = System.err;
    String port = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println(USAGE);
        return;
      }
      if (i + 1 >= args.length) {
        exit(err, a + " needs a value");
      }
      String value = args[++i];
      if (a.equals("--port")) {
        if (!value.matches("[0-9]{1,5}") || Integer.parseInt(value) > 65535) {
          exit(err, "--port must be a port number, not '" + value + "'");
        }
        port = value;
      } else if (OPTIONS.containsKey(a)) {
        System.setProperty(OPTIONS.get(a), value);
      } else {
        exit(err, "unknown option " + a);
      }
    }
    if (port == null) {
      exit(err, "--port is required");
    }
    String model = System.getProperty("framewise.model");
    if (model == null) {
      exit(err, "--model is required");
    } else if (!Files.isRegularFile(Path.of(model))) {
      exit(err, model + ": --model is not a file");
    }
    Path war = home().resolve("framewise-rest.war");
    if (!Files.isRegularFile(war)) {
      exit(err, war + " is missing: it is built beside framewise-rest.jar");
    }
    // Frames are drawn with Java2D on a server without a display.
    System.setProperty("java.awt.headless", "true");
    List<String> payara = new ArrayList<>(List.of(
        "--port", port,
        "--deploy", war.toString(),
        "--contextroot", "/",
        "--nocluster",
        "--disablephonehome"));
    if (System.getProperty("framewise.rest.payara-log") != null) {
      payara.addAll(List.of("--logtofile", System.getProperty("framewise.rest.payara-log")));
    }
    fish.payara.micro.PayaraMicro.main(payara.toArray(String[]::new));
  }

  private static Path home() throws URISyntaxException {
    return Path.of(RestLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
  }

  private static void exit(PrintStream err, String message) {
    err.println("framewise-rest: " + message.replaceAll("\\p{Cntrl}", "?"));
    err.println(USAGE.toLowerCase(Locale.ROOT));
    System.exit(2);
  }
}
