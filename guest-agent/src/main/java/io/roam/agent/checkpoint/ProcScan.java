package io.roam.agent.checkpoint;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The cheap migratability check: looks at a running tree's descriptors in /proc, without stopping
 * it, for what CRIU cannot move between nodes here (network sockets, terminals, devices).
 */
final class ProcScan {
  private static final Path PROC = Path.of("/proc");
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;

  private ProcScan() {}

  private record Socket(String protocol, String state, String local) {}

  static Migratability check(long pid) {
    if (!Files.isDirectory(PROC.resolve(Long.toString(pid)))) {
      return new Migratability(List.of("the job is not running (no process " + pid + ")"));
    }
    Map<String, Socket> sockets = new HashMap<>();
    for (String protocol : List.of("tcp", "tcp6", "udp", "udp6")) {
      readSockets(pid, protocol, sockets);
    }
    Set<String> reasons = new LinkedHashSet<>();
    for (long p : tree(pid)) {
      Path fds = PROC.resolve(p + "/fd");
      try (Stream<Path> list = Files.list(fds)) {
        for (Path fd : list.toList()) {
          describe(fd, sockets).ifPresent(reasons::add);
        }
      } catch (IOException e) {
        // the process ended meanwhile: nothing of it to move
      }
    }
    return new Migratability(new ArrayList<>(reasons));
  }

  private static Optional<String> describe(Path fd, Map<String, Socket> sockets) {
    String target;
    try {
      target = Files.readSymbolicLink(fd).toString();
    } catch (IOException e) {
      return Optional.empty();
    }
    if (target.startsWith("socket:[")) {
      Socket s = sockets.get(target.substring(8, target.length() - 1));
      if (s == null) {
        return Optional.empty(); // Unix and other local sockets: CRIU decides
      }
      if (s.protocol().startsWith("tcp") && s.state().equals("0A")) {
        return Optional.of(
            "the job listens on TCP " + s.local() + "; a listening port is tied to this node");
      }
      if (s.protocol().startsWith("tcp") && s.state().equals("01")) {
        return Optional.of(
            "the job has an open TCP connection from "
                + s.local()
                + "; live connections cannot move to another node");
      }
      return Optional.of(
          "the job holds a network socket ("
              + s.protocol().toUpperCase(Locale.ROOT)
              + " "
              + s.local()
              + ") that cannot move to another node");
    }
    if (!target.startsWith("/dev/")) {
      return Optional.empty();
    }
    int mode;
    long rdev;
    try {
      mode = (Integer) Files.getAttribute(fd, "unix:mode");
      rdev = (Long) Files.getAttribute(fd, "unix:rdev");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return Optional.empty();
    }
    int type = mode & S_IFMT;
    if (type != S_IFCHR && type != S_IFBLK) {
      return Optional.empty();
    }
    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    if (type == S_IFCHR && major == 1) {
      return Optional.empty(); // null, zero, full, random, urandom, kmsg
    }
    if (type == S_IFCHR && (major == 136 || (major == 5 && minor == 2))) {
      return Optional.empty(); // a pseudo-terminal pair of the job's own
    }
    if (type == S_IFCHR && (major == 4 || (major == 5 && minor <= 1))) {
      return Optional.of(
          "the job uses the terminal " + target + "; jobs must run detached from any terminal");
    }
    return Optional.of(
        "the job has the device " + target + " open, which cannot move to another node");
  }

  /** {@code root} and all its descendants, found through every thread's children list. */
  private static List<Long> tree(long root) {
    List<Long> out = new ArrayList<>();
    Deque<Long> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      long p = todo.pop();
      out.add(p);
      try (Stream<Path> tasks = Files.list(PROC.resolve(p + "/task"))) {
        for (Path task : tasks.toList()) {
          String children = Files.readString(task.resolve("children")).trim();
          if (!children.isEmpty()) {
            for (String c : children.split("\\s+")) {
              todo.push(Long.parseLong(c));
            }
          }
        }
      } catch (IOException e) {
        // ended meanwhile
      }
    }
    return out;
  }

  private static void readSockets(long pid, String protocol, Map<String, Socket> out) {
    List<String> lines;
    try {
      lines = Files.readAllLines(PROC.resolve(pid + "/net/" + protocol));
    } catch (IOException e) {
      return;
    }
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 9) {
        out.put(f[9], new Socket(protocol, f[3], address(f[1])));
      }
    }
  }

  /**
   * An address of /proc/net/tcp{,6} as people write it: "0100007F:1F90" → "127.0.0.1:8080". The
   * kernel prints each 32-bit word of the address in host (little-endian) order; IPv4-mapped IPv6
   * addresses read as IPv4.
   */
  static String address(String hex) {
    int colon = hex.indexOf(':');
    if (colon < 0 || (colon != 8 && colon != 32)) {
      return hex;
    }
    int port = Integer.parseInt(hex.substring(colon + 1), 16);
    byte[] bytes = new byte[colon / 2];
    for (int word = 0; word < colon / 8; word++) {
      long v = Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
      for (int k = 0; k < 4; k++) {
        bytes[word * 4 + k] = (byte) (v >>> (8 * k));
      }
    }
    try {
      InetAddress address = InetAddress.getByAddress(bytes);
      return address instanceof Inet6Address
          ? "[" + address.getHostAddress() + "]:" + port
          : address.getHostAddress() + ":" + port;
    } catch (UnknownHostException e) {
      return hex;
    }
  }
}
