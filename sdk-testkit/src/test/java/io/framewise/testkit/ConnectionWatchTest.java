package io.framewise.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The watch the hostile suites rely on really sees a connection: their "no connection" checks can fail. */
class ConnectionWatchTest {

  @Test
  void countsEachConnection() throws Exception {
    try (ConnectionWatch watch = ConnectionWatch.start()) {
      assertThat(watch.accepts()).isZero();
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), watch.port())) {
        assertThat(s.isConnected()).isTrue();
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (watch.accepts() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(watch.accepts()).isEqualTo(1);
    }
  }
}
