package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import io.roam.manager.zk.LoopbackPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local nodes of unequal capacity: each node's jobs run in a cgroup of its own with the CPU share
 * and memory gridctl up was given, the node's speed says so, a job migrated with real CRIU lands in
 * the target's group, and down removes every group.
 */
class NodeCapacityIT {
  private static final Map<String, Double> CPU =
      Map.of("c1-n1", 0.25, "c1-n2", 0.5, "c2-n1", 0.25, "c2-n2", 1.0);

  @TempDir Path temp;
  private Gridctl gridctl;

  @AfterEach
  void down() {
    if (gridctl != null) {
      gridctl.run("down");
    }
  }

  @Test
  void nodesGetTheirOwnLimitedGroupsAndJobsFollowMigrations() throws Exception {
    if (!Boolean.getBoolean("roam.requireCriu")) {
      assumeTrue("root".equals(System.getProperty("user.name")), "cgroups need root");
    }
    int port = LoopbackPorts.free();
    gridctl = new Gridctl(temp.resolve("grid"));
    Gridctl.Result up =
        gridctl.run(
            Duration.ofSeconds(240),
            "up",
            "--port",
            Integer.toString(port),
            "--cpu",
            "0.25,0.5,0.25,1",
            "--memory-mb",
            "128");
    assertThat(up.exitCode()).as(up.toString()).isZero();

    // The groups exist, with the limits asked for, on the jobs' groups only.
    Path listFile = gridctl.stateDir().resolve("cgroups");
    List<Path> groups = Files.readAllLines(listFile).stream().map(Path::of).toList();
    for (var node : CPU.entrySet()) {
      assertThat(cpuLimit(jobsGroups(groups, node.getKey())))
          .as("CPU of %s's jobs", node.getKey())
          .isEqualTo(node.getValue());
      assertThat(memoryLimit(jobsGroups(groups, node.getKey()))).isEqualTo(128L << 20);
      for (Path agent : groupsOf(groups, node.getKey(), "agent")) {
        assertThat(procs(agent)).as("the agent of %s in %s", node.getKey(), agent).isNotEmpty();
      }
    }

    // Speeds follow the shares.
    Map<String, Double> speeds = new HashMap<>();
    for (JsonNode n : Json.mapper().readTree(gridctl.ok("node", "list", "--json"))) {
      speeds.put(n.get("id").asText(), n.get("speed").asDouble());
    }
    assertThat(speeds).isEqualTo(CPU);
    // The node gossips its group's memory, not the machine's.
    JsonNode own = null;
    for (JsonNode e : Json.mapper().readTree(gridctl.ok("node", "load", "c1-n1", "--json"))) {
      if (e.get("node").asText().equals("c1-n1")) {
        own = e;
      }
    }
    assertThat(own).isNotNull();
    assertThat(own.get("speed").asDouble()).isEqualTo(0.25);
    assertThat(own.get("totalMemoryBytes").asLong()).isEqualTo(128L << 20);

    // A job runs in its node's jobs group, and after a real migration in the target's.
    String job =
        gridctl
            .ok("run", "--node", "c1-n1", "--", "sh", "-c", "while :; do sleep 0.2; done")
            .trim();
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(30)))
        .until(() -> !jobProcs(jobsGroups(groups, "c1-n1"), job).isEmpty());
    assertThat(jobProcs(jobsGroups(groups, "c2-n2"), job)).isEmpty();
    for (Path agent : groupsOf(groups, "c1-n1", "agent")) {
      assertThat(jobProcs(List.of(agent), job)).isEmpty();
    }

    Gridctl.Result moved = gridctl.run(Duration.ofSeconds(120), "migrate", "--wait", job, "c2-n2");
    assertThat(moved.exitCode()).as(moved.toString()).isZero();
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(30)))
        .until(() -> !jobProcs(jobsGroups(groups, "c2-n2"), job).isEmpty());
    assertThat(jobProcs(jobsGroups(groups, "c1-n1"), job)).isEmpty();
    for (Path agent : groupsOf(groups, "c2-n2", "agent")) {
      assertThat(jobProcs(List.of(agent), job)).isEmpty();
    }
    gridctl.ok("kill", job);

    // Down removes every group.
    gridctl.ok("down");
    gridctl = null;
    assertThat(groups).isNotEmpty().allSatisfy(g -> assertThat(g).doesNotExist());
    assertThat(listFile).doesNotExist();
  }

  @Test
  void badFiguresAreRefusedBeforeAnythingStarts() {
    gridctl = new Gridctl(temp.resolve("bad"));
    Gridctl.Result r = gridctl.run("up", "--cpu", "0.5,fast");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err())
        .contains("--cpu needs one figure per node (4 nodes")
        .contains("'fast' is not a number of cores");
    assertThat(temp.resolve("bad")).doesNotExist();
    gridctl = null;
  }

  private static List<Path> groupsOf(List<Path> groups, String node, String leaf) {
    return groups.stream().filter(g -> g.endsWith(Path.of(node, leaf))).toList();
  }

  private static List<Path> jobsGroups(List<Path> groups, String node) {
    List<Path> jobs = groupsOf(groups, node, "jobs");
    assertThat(jobs).as("jobs groups of %s", node).isNotEmpty();
    return jobs;
  }

  /** cpu.max (v2) or the cfs quota over its period (v1), in cores. */
  private static double cpuLimit(List<Path> groups) throws IOException {
    for (Path g : groups) {
      if (Files.exists(g.resolve("cpu.max"))) {
        String[] f = Files.readString(g.resolve("cpu.max")).trim().split("\\s+");
        return Double.parseDouble(f[0]) / Double.parseDouble(f[1]);
      }
      if (Files.exists(g.resolve("cpu.cfs_quota_us"))) {
        return Long.parseLong(Files.readString(g.resolve("cpu.cfs_quota_us")).trim())
            / Double.parseDouble(Files.readString(g.resolve("cpu.cfs_period_us")).trim());
      }
    }
    throw new AssertionError("no CPU controller in " + groups);
  }

  private static long memoryLimit(List<Path> groups) throws IOException {
    for (Path g : groups) {
      for (String f : List.of("memory.max", "memory.limit_in_bytes")) {
        if (Files.exists(g.resolve(f))) {
          return Long.parseLong(Files.readString(g.resolve(f)).trim());
        }
      }
    }
    throw new AssertionError("no memory controller in " + groups);
  }

  private static List<Long> procs(Path group) throws IOException {
    List<Long> out = new ArrayList<>();
    for (String line : Files.readAllLines(group.resolve("cgroup.procs"))) {
      if (!line.isBlank()) {
        out.add(Long.parseLong(line.trim()));
      }
    }
    return out;
  }

  /** The processes of the job in these groups (by the ROAM_JOB_ID its launcher set). */
  private static List<Long> jobProcs(List<Path> groups, String job) throws IOException {
    List<Long> out = new ArrayList<>();
    for (Path g : groups) {
      for (long pid : procs(g)) {
        try {
          String env =
              new String(
                  Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
                  StandardCharsets.UTF_8);
          if (List.of(env.split("\0")).contains("ROAM_JOB_ID=" + job)) {
            out.add(pid);
          }
        } catch (IOException e) {
          // ended meanwhile
        }
      }
    }
    return out;
  }
}
