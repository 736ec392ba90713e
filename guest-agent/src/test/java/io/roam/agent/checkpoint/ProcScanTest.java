package io.roam.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** Scans this test's own JVM, which needs neither root nor CRIU. */
class ProcScanTest {
  private static final long SELF = ProcessHandle.current().pid();

  @Test
  void namesAListeningPort() throws Exception {
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      assertThat(ProcScan.check(SELF).reasons())
          .contains(
              "the job listens on TCP 127.0.0.1:"
                  + server.getLocalPort()
                  + "; a listening port is tied to this node");
    }
  }

  @Test
  void namesAnOpenConnection() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      assertThat(ProcScan.check(SELF).reasons())
          .anySatisfy(
              r ->
                  assertThat(r)
                      .startsWith("the job has an open TCP connection from 127.0.0.1:")
                      .contains(Integer.toString(client.getLocalPort())));
    }
  }

  @Test
  void aProcessThatIsGoneCannotMove() {
    Migratability m = ProcScan.check(Long.MAX_VALUE);
    assertThat(m.migratable()).isFalse();
    assertThat(m.reasons()).singleElement().asString().contains("not running");
  }
}
