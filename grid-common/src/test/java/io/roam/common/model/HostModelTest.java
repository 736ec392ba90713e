package io.roam.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.id.ClusterId;
import io.roam.common.id.HostId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostModelTest {
  private static final String SHA = "a".repeat(64);

  private static DesiredDomain domain(String node, int hostPort) {
    return new DesiredDomain(
        NodeId.of(node),
        ClusterId.of("c1"),
        2,
        1024,
        "roam-node.qcow2",
        SHA,
        List.of(new PortForward(hostPort, 7000)));
  }

  @Test
  void desiredStateRoundTrips() {
    HostDesiredState state = new HostDesiredState(List.of(domain("n1", 17001)));
    String json = Json.encodeString(state);
    assertThat(json).contains("\"node\":\"n1\"").contains("\"hostPort\":17001");
    assertThat(Json.decode(json, HostDesiredState.class)).isEqualTo(state);
  }

  @Test
  void hostRecordRoundTrips() {
    HostRecord host =
        new HostRecord(
            HostId.of("h1"),
            2,
            1L << 34,
            1,
            1L << 33,
            "9.0.0",
            "qemu",
            "probe timed out",
            List.of(new HostRecord.Domain("roam-n1", NodeId.of("n1"), "running")),
            List.of("roam-n2: define failed: base image checksum"),
            Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(Json.decode(Json.encode(host), HostRecord.class)).isEqualTo(host);
  }

  @Test
  void aNodeOrAHostPortListedTwiceIsRefused() {
    assertThatThrownBy(() -> new HostDesiredState(List.of(domain("n1", 1), domain("n1", 2))))
        .hasMessageContaining("listed twice");
    assertThatThrownBy(() -> new HostDesiredState(List.of(domain("n1", 1), domain("n2", 1))))
        .hasMessageContaining("host port 1");
  }

  @Test
  void anImagePathOrABadChecksumIsRefusedAtDecoding() {
    String json = Json.encodeString(new HostDesiredState(List.of(domain("n1", 17001))));
    assertThatThrownBy(
            () -> Json.decode(json.replace("roam-node.qcow2", "../etc"), HostDesiredState.class))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("plain file name");
    assertThatThrownBy(() -> Json.decode(json.replace(SHA, "xyz"), HostDesiredState.class))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("imageSha256");
  }

  @Test
  void aDirectBootRoundTripsAndGetsTheDefaultCommandLine() {
    DesiredDomain d =
        new DesiredDomain(
            NodeId.of("n1"),
            ClusterId.of("c1"),
            1,
            512,
            "roam-guest.qcow2",
            SHA,
            List.of(new PortForward(17400, 7400)),
            new DirectBoot("roam-guest.vmlinuz", SHA, "roam-guest.initrd", SHA, null));
    assertThat(d.boot().cmdline()).isEqualTo(DirectBoot.DEFAULT_CMDLINE);
    HostDesiredState state = new HostDesiredState(List.of(d));
    assertThat(Json.decode(Json.encode(state), HostDesiredState.class)).isEqualTo(state);
    assertThat(
            Json.decode(
                    Json.encode(new HostDesiredState(List.of(domain("n2", 1)))),
                    HostDesiredState.class)
                .domains()
                .get(0)
                .boot())
        .isNull();
    assertThatThrownBy(() -> new DirectBoot("../vmlinuz", SHA, "i", SHA, null))
        .hasMessageContaining("plain file name");
    assertThatThrownBy(() -> new DirectBoot("k", SHA, "i", SHA, "root=/dev/vda\ninit=/bin/sh"))
        .hasMessageContaining("one line");
  }

  @Test
  void aDomainWithoutTheAgentPortIsRefused() {
    assertThatThrownBy(
            () ->
                new DesiredDomain(
                    NodeId.of("n1"), ClusterId.of("c1"), 1, 256, "i.qcow2", SHA, List.of()))
        .hasMessageContaining("agent's API port");
  }
}
