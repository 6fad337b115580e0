package io.framewise.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A real HTTP server on 127.0.0.1 that serves one file with byte ranges ({@code Range: bytes=a-} and
 * {@code bytes=a-b}, answered 206 with {@code Content-Range}), and counts the bytes it has written to
 * its clients: what a remote reader made it serve. A client that stops reading and closes the
 * connection ends the response; what the socket buffers held by then counts as served. After
 * {@link #reset()}, only responses begun since count.
 *
 * <p>For tests and benchmarks of remote input (HTTP range requests): show that a reader reads about
 * the bytes it needs, never the whole file per segment. Thread-safe; close it to stop serving.
 *
 * <pre>{@code
 * try (RangeServer server = new RangeServer(video, "/v/clip.mp4")) {
 *   detector.newJob(server.uri("sig=secret")).model(model).writeJson(out);
 *   long bytes = server.served();
 * }
 * }</pre>
 */
public final class RangeServer implements AutoCloseable {

  private final HttpServer server;
  private final Path file;
  private final long size;
  private final String path;
  private final AtomicLong served = new AtomicLong();
  /** Bumped by {@link #reset}: a response begun before it no longer counts (a connection a kept container left open). */
  private final java.util.concurrent.atomic.AtomicInteger epoch = new java.util.concurrent.atomic.AtomicInteger();
  private final List<String> requests = new CopyOnWriteArrayList<>();

  /**
   * Starts serving a file on an ephemeral port of 127.0.0.1.
   *
   * @param file the file to serve
   * @param path the URI path it is served at ({@code /v/clip.mp4}); any other path answers 404
   * @throws IOException if the file cannot be read or the port bound
   */
  public RangeServer(Path file, String path) throws IOException {
    this.file = file;
    this.path = path;
    try (FileChannel ch = FileChannel.open(file)) {
      this.size = ch.size();
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "range-server");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", exchange -> {
      try (exchange) {
        int begun = epoch.get();
        String range = exchange.getRequestHeaders().getFirst("Range");
        String request = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + range;
        if (!exchange.getRequestURI().getPath().equals(path)) {
          requests.add(request + " 404");
          exchange.sendResponseHeaders(404, -1);
          return;
        }
        exchange.getResponseHeaders().add("Content-Type", "video/mp4");
        exchange.getResponseHeaders().add("Accept-Ranges", "bytes");
        long from = 0;
        long to = size - 1;
        if (range != null) {
          if (!range.startsWith("bytes=") || range.contains(",")) {
            exchange.sendResponseHeaders(416, -1);
            return;
          }
          String[] ab = range.substring(6).split("-", -1);
          from = Long.parseLong(ab[0].trim());
          to = ab[1].isBlank() ? to : Math.min(to, Long.parseLong(ab[1].trim()));
          if (from >= size || from > to) {
            exchange.getResponseHeaders().add("Content-Range", "bytes */" + size);
            exchange.sendResponseHeaders(416, -1);
            return;
          }
          exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + to + "/" + size);
          exchange.sendResponseHeaders(206, to - from + 1);
        } else {
          exchange.sendResponseHeaders(200, size);
        }
        if (exchange.getRequestMethod().equals("HEAD")) {
          requests.add(request + " served 0");
          return;
        }
        long at = from;
        try (FileChannel ch = FileChannel.open(this.file, StandardOpenOption.READ); OutputStream out = exchange.getResponseBody()) {
          ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
          while (at <= to) {
            buf.clear().limit((int) Math.min(buf.capacity(), to - at + 1));
            int n = ch.read(buf, at);
            if (n <= 0) {
              break;
            }
            out.write(buf.array(), 0, n);
            if (epoch.get() == begun) {
              served.addAndGet(n);
            }
            at += n;
          }
        } catch (IOException e) {
          // the client closed the connection (it seeks by opening another): the response ends here
        }
        if (epoch.get() == begun) {
          requests.add(request + " served " + (at - from));
        }
      }
    });
    server.start();
  }

  /**
   * The file's address.
   *
   * @param query a query to append (a pre-signed URL's signature, say), or null
   * @return {@code http://127.0.0.1:PORT/PATH[?query]}
   */
  public URI uri(@Nullable String query) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path + (query == null ? "" : "?" + query));
  }

  /** The served file's size in bytes. */
  public long size() {
    return size;
  }

  /** The bytes written to clients by responses begun since the last {@link #reset()}. */
  public long served() {
    return served.get();
  }

  /**
   * The requests answered since the last {@link #reset()}, each as
   * {@code METHOD PATH RANGE served N} (or {@code 404}), in the order they ended.
   *
   * @return a live, thread-safe view
   */
  public List<String> requests() {
    return requests;
  }

  /** Starts counting anew: responses begun before no longer count. */
  public void reset() {
    epoch.incrementAndGet();
    served.set(0);
    requests.clear();
  }

  /** Stops serving. */
  @Override
  public void close() {
    server.stop(0);
  }
}
