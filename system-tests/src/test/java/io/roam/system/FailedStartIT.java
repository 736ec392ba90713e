package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.manager.zk.LoopbackPorts;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An `up` that fails midway (here: nodes that cannot start) leaves nothing running. */
class FailedStartIT {
  @TempDir Path temp;

  @Test
  void nodesThatCannotStartFailTheWholeUpAndNothingIsLeftRunning() throws IOException {
    Path realHome = Path.of(System.getProperty("roam.home", "..")).toAbsolutePath().normalize();
    Path home = temp.resolve("home");
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("lib"));
    Files.copy(realHome.resolve("bin/gridctl"), home.resolve("bin/gridctl"));
    home.resolve("bin/gridctl").toFile().setExecutable(true);
    Files.createDirectories(home.resolve("gridctl/target"));
    Files.copy(
        realHome.resolve("gridctl/target/gridctl.jar"), home.resolve("gridctl/target/gridctl.jar"));
    Files.copy(
        realHome.resolve("grid-manager/target/grid-manager.jar"),
        home.resolve("lib/grid-manager.jar"));
    // An agent "jar" that is no jar: every node dies at start.
    Files.writeString(home.resolve("lib/guest-agent.jar"), "not a jar");
    int port = LoopbackPorts.free();
    Gridctl gridctl = new Gridctl(home, temp.resolve("state"));

    Gridctl.Result up =
        gridctl.run(Duration.ofSeconds(180), "up", "--port", Integer.toString(port));

    assertThat(up.exitCode()).as(up.toString()).isEqualTo(1);
    assertThat(up.err())
        .contains("gridctl: the local grid did not start", "stopped while starting");
    assertThat(gridctl.stateDir().resolve("grid.json")).doesNotExist();
    // Nothing answers on the API port, and no process of that grid is left.
    try (Socket s = new Socket("127.0.0.1", port)) {
      throw new AssertionError("the API port still answers");
    } catch (IOException expected) {
      // refused: good
    }
    assertThat(
            ProcessHandle.allProcesses()
                .filter(
                    p -> p.info().commandLine().orElse("").contains(gridctl.stateDir().toString())))
        .isEmpty();
  }
}
