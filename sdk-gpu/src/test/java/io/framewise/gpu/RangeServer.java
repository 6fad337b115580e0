package io.framewise.gpu;

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

/**
 * A real HTTP server on 127.0.0.1 that serves one file with byte ranges ({@code Range: bytes=a-} and
 * {@code bytes=a-b}, answered 206 with {@code Content-Range}), and counts the bytes it has written to
 * its clients: what a remote reader made it serve. A client that stops reading and closes the
 * connection ends the response; what the socket buffers held by then counts as served. After
 * {@link #reset()}, only responses begun since count.
 */
final class RangeServer implements AutoCloseable {

  private final HttpServer server;
  private final Path file;
  private final long size;
  private final String path;
  final AtomicLong served = new AtomicLong();
  /** Bumped by {@link #reset}: a response begun before it no longer counts (a connection a kept container left open). */
  private final java.util.concurrent.atomic.AtomicInteger epoch = new java.util.concurrent.atomic.AtomicInteger();
  final List<String> requests = new CopyOnWriteArrayList<>();

  RangeServer(Path file, String path) throws IOException {
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

  URI uri(String query) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path + (query == null ? "" : "?" + query));
  }

  long size() {
    return size;
  }

  void reset() {
    epoch.incrementAndGet();
    served.set(0);
    requests.clear();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
