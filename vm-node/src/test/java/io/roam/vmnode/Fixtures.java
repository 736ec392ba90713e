package io.roam.vmnode;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.DesiredDomain;
import io.roam.common.model.PortForward;
import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.spec.DomainSpecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Fixture factories shared by vm-node tests. */
public final class Fixtures {
  public static final String SHA = "0123456789abcdef".repeat(4);

  /** Test deadlines scale with -Droam.test.timeScale on slow machines. */
  public static Duration scaled(Duration d) {
    return d.multipliedBy(Integer.getInteger("roam.test.timeScale", 1));
  }

  private Fixtures() {}

  public static DesiredDomain desired(String node) {
    return desired(node, 1, 256);
  }

  public static DesiredDomain desired(String node, int vcpus, long memoryMib) {
    return new DesiredDomain(
        NodeId.of(node),
        ClusterId.of("c1"),
        vcpus,
        memoryMib,
        "base.qcow2",
        SHA,
        List.of(new PortForward(17000 + Math.abs(node.hashCode() % 1000), 7000)));
  }

  public static DomainSpecs specs(Path stateDir) {
    return specs(Path.of("/images"), stateDir);
  }

  public static DomainSpecs specs(Path imagesDir, Path stateDir) {
    return new DomainSpecs(imagesDir, stateDir, DomainType.QEMU, "t", "10.0.2.2:2181", "s3cret");
  }

  /** An IPv4 address of one of this host's interfaces other than loopback; null if none. */
  public static String nonLoopbackAddressOfThisHost() throws java.net.SocketException {
    var interfaces = java.net.NetworkInterface.getNetworkInterfaces();
    while (interfaces.hasMoreElements()) {
      var nic = interfaces.nextElement();
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      var addresses = nic.getInetAddresses();
      while (addresses.hasMoreElements()) {
        var a = addresses.nextElement();
        if (a instanceof java.net.Inet4Address) {
          return a.getHostAddress();
        }
      }
    }
    return null;
  }
}
