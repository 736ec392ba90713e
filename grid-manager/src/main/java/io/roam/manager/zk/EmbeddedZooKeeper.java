package io.roam.manager.zk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

/**
 * A standalone ZooKeeper server inside the manager's JVM, its data under the grid's state
 * directory: the embedded default of a local grid. Production grids use an ensemble instead.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
  private final ZooKeeperServerEmbedded server;
  private final int port;

  private EmbeddedZooKeeper(ZooKeeperServerEmbedded server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts a server on 127.0.0.1.
   *
   * @param port client port; 0 picks a free one ({@link LoopbackPorts})
   */
  public static EmbeddedZooKeeper start(Path dataDir, int port) throws Exception {
    int chosen = port == 0 ? LoopbackPorts.free() : port;
    Files.createDirectories(dataDir);
    Properties config = new Properties();
    config.setProperty("clientPort", Integer.toString(chosen));
    config.setProperty("clientPortAddress", "127.0.0.1");
    config.setProperty("tickTime", "500");
    config.setProperty("initLimit", "10");
    config.setProperty("syncLimit", "5");
    config.setProperty("maxSessionTimeout", "60000");
    // No Jetty admin server on 8080: nothing else of the grid should claim well-known ports.
    config.setProperty("admin.enableServer", "false");
    config.setProperty("4lw.commands.whitelist", "ruok,srvr,stat");
    ZooKeeperServerEmbedded server =
        ZooKeeperServerEmbedded.builder()
            .baseDir(dataDir)
            .configuration(config)
            .exitHandler(ExitHandler.LOG_ONLY)
            .build();
    try {
      server.start(30_000);
    } catch (Exception e) {
      server.close();
      throw new IllegalStateException(
          "cannot start the embedded ZooKeeper on 127.0.0.1:" + chosen + ": " + e.getMessage(), e);
    }
    return new EmbeddedZooKeeper(server, chosen);
  }

  public String connectString() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    server.close();
  }
}
