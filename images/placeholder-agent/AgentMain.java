package io.roam.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the guest agent, used only to test a guest image before the real agent is built
 * (images/build-image.sh --placeholder-agent). It takes the agent's options, checks the secret
 * file and the state directory, tries a TCP connection to each ZooKeeper server and exits non-zero
 * when none answers. It does not join a grid; an image built with it says so in /opt/roam/IMAGE.
 */
public final class AgentMain {
  private static final List<String> REQUIRED =
      List.of(
          "--node-id",
          "--cluster",
          "--zk",
          "--grid",
          "--bind",
          "--advertise",
          "--state-dir",
          "--secret-file");

  private AgentMain() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i], args[i + 1]);
    }
    System.out.println("placeholder agent (not the Roam guest agent) on Java " + Runtime.version());
    for (String name : REQUIRED) {
      if (!opts.containsKey(name) || opts.get(name).isBlank()) {
        System.out.println("placeholder agent: missing option " + name);
        System.exit(2);
      }
    }
    System.out.println("placeholder agent: options " + opts);
    Path secret = Path.of(opts.get("--secret-file"));
    System.out.println(
        "placeholder agent: secret file " + secret + " has " + Files.size(secret) + " bytes");
    Files.createDirectories(Path.of(opts.get("--state-dir")));
    for (String server : opts.get("--zk").split(",")) {
      String hostPort = server.contains("/") ? server.substring(0, server.indexOf('/')) : server;
      int colon = hostPort.lastIndexOf(':');
      String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      int port = colon < 0 ? 2181 : Integer.parseInt(hostPort.substring(colon + 1));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 5000);
        System.out.println("placeholder agent: ZooKeeper " + host + ":" + port + " answers");
        System.exit(0);
      } catch (IOException e) {
        System.out.println(
            "placeholder agent: cannot reach ZooKeeper " + host + ":" + port + ": " + e);
      }
    }
    System.out.println("placeholder agent: no ZooKeeper server reachable; exiting with status 3");
    System.exit(3);
  }
}
