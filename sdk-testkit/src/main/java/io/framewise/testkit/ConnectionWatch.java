package io.framewise.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP listener on {@code 127.0.0.1} that counts the connections made to it, for tests that must
 * show an input did not reach the network: hostile files name {@link #port()}, the test asserts
 * {@link #accepts()} is still 0. Each accepted connection is closed at once.
 *
 * <p>Thread-safe. Close it to stop listening.
 */
public final class ConnectionWatch implements AutoCloseable {

  private final ServerSocket server;
  private final AtomicInteger accepts = new AtomicInteger();
  private final Thread thread;

  private ConnectionWatch(ServerSocket server) {
    this.server = server;
    this.thread = new Thread(this::serve, "connection-watch-" + server.getLocalPort());
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Starts listening on an ephemeral port of 127.0.0.1.
   *
   * @return the running watch
   * @throws UncheckedIOException if the port cannot be bound
   */
  public static ConnectionWatch start() {
    try {
      return new ConnectionWatch(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@return the port listened on} */
  public int port() {
    return server.getLocalPort();
  }

  /** {@return how many connections were accepted so far} */
  public int accepts() {
    return accepts.get();
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        accepts.incrementAndGet();
      } catch (IOException e) {
        // closed
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
