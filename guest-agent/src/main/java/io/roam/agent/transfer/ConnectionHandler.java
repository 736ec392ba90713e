package io.roam.agent.transfer;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;

/**
 * Serves an agent-to-agent connection that shares the migration port but opens with another magic
 * string (the port is the one every node already advertises and opens in its firewall).
 */
@FunctionalInterface
public interface ConnectionHandler {
  /**
   * @param socket the connection; closed by the caller afterwards
   * @param in its input, positioned just after the magic string
   */
  void serve(Socket socket, DataInputStream in) throws IOException;
}
