package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NoProgressTimeoutTest {
  // Far more than the socket buffers on both sides hold, so a peer that does not read blocks.
  private static final int LOTS = 64 << 20;

  private ServerSocket server;

  @BeforeEach
  void listen() throws IOException {
    server = new ServerSocket();
    server.setReceiveBufferSize(4096); // inherited by accepted sockets
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void close() throws IOException {
    server.close();
  }

  private InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  @Test
  void aWriteToAPeerThatStopsReadingFailsAndClosesTheSocket() throws Exception {
    // Without the guard a blocking socket write waits for ever (SO_TIMEOUT is for reads): the
    // preemptive bound turns that into a failure instead of a hung build.
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          try (Socket socket = new Socket()) {
            NoProgressTimeout.connect(socket, address(), Duration.ofMillis(300));
            try (Socket peer = server.accept()) {
              OutputStream out = NoProgressTimeout.output(socket, Duration.ofMillis(300));

              assertThatThrownBy(() -> out.write(new byte[LOTS]))
                  .isInstanceOf(SocketTimeoutException.class)
                  .hasMessageContaining("no progress sending to")
                  .hasMessageContaining("300 ms");
              assertThat(socket.isClosed()).isTrue();
              assertThatThrownBy(() -> out.write(1)).isInstanceOf(SocketTimeoutException.class);
            }
          }
        });
  }

  @Test
  void aPeerThatReadsGetsEverything() throws Exception {
    try (Socket socket = new Socket()) {
      NoProgressTimeout.connect(socket, address(), Duration.ofSeconds(20));
      try (Socket peer = server.accept()) {
        CompletableFuture<Long> read =
            CompletableFuture.supplyAsync(
                () -> {
                  try (InputStream in = peer.getInputStream()) {
                    return in.transferTo(OutputStream.nullOutputStream());
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
        try (OutputStream out = NoProgressTimeout.output(socket, Duration.ofSeconds(20))) {
          out.write(new byte[LOTS]);
        }
        assertThat(read.get()).isEqualTo(LOTS);
      }
    }
  }

  @Test
  void aReadThatGetsNothingTimesOut() throws Exception {
    try (Socket socket = new Socket()) {
      NoProgressTimeout.connect(socket, address(), Duration.ofMillis(200));
      try (Socket peer = server.accept()) {
        assertThatThrownBy(() -> socket.getInputStream().read())
            .isInstanceOf(SocketTimeoutException.class);
      }
    }
  }
}
