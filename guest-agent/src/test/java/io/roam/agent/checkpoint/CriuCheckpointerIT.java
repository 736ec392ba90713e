package io.roam.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.roam.agent.checkpoint.LocalNodes.Job;
import io.roam.agent.checkpoint.LocalNodes.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real CRIU checkpoints and restores of jobs launched with the agent's recipe, moved between two
 * local nodes (mount namespaces with their own state directory at the same path). Needs root and a
 * working criu; with {@code -Droam.requireCriu=true} their absence fails the suite instead of
 * skipping it.
 */
class CriuCheckpointerIT {
  private static final Duration TIMEOUT = LocalNodes.TIMEOUT;
  private static final String PYTHON =
      Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

  private static Path criu;

  private LocalNodes nodes;
  private Node a;
  private Node b;

  private static Optional<String> missing;

  @BeforeAll
  static void lookForRootAndCriu() throws Exception {
    missing = whyNoCriu().map(why -> "CRIU integration tests cannot run: " + why);
    if (missing.isPresent() && !Boolean.getBoolean("roam.requireCriu")) {
      System.err.println(
          "WARNING: " + missing.get() + "; skipped (-Droam.requireCriu=true fails instead)");
    }
  }

  private static Optional<String> whyNoCriu() throws Exception {
    if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
      return Optional.of("they need root");
    }
    Optional<Path> found = CriuCheckpointer.locate(System.getenv());
    if (found.isEmpty()) {
      return Optional.of("criu not found (ROAM_CRIU, " + CriuCheckpointer.CACHED_CRIU + ", PATH)");
    }
    Process check;
    try {
      check = new ProcessBuilder(found.get().toString(), "check").redirectErrorStream(true).start();
    } catch (IOException e) {
      return Optional.of("cannot run " + found.get() + ": " + e.getMessage());
    }
    String out = new String(check.getInputStream().readAllBytes());
    if (check.waitFor() != 0) {
      return Optional.of("'" + found.get() + " check' fails: " + out.trim());
    }
    criu = found.get();
    return Optional.empty();
  }

  @BeforeEach
  void twoNodes() throws Exception {
    if (missing.isPresent()) {
      if (Boolean.getBoolean("roam.requireCriu")) {
        Assertions.fail(missing.get() + " (roam.requireCriu=true; run scripts/setup.sh as root)");
      }
      Assumptions.abort(missing.get() + " (skipped; -Droam.requireCriu=true fails instead)");
    }
    nodes = new LocalNodes();
    a = nodes.node("a");
    b = nodes.node("b");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (nodes != null) {
      nodes.close();
    }
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  private static List<String> count(int n) {
    return IntStream.range(0, n).mapToObj(Integer::toString).toList();
  }

  private static void awaitLines(Path file, int n) {
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> lines(file).size() >= n);
  }

  private static Optional<String> exitStatus(Path jobDir) throws IOException {
    Path f = jobDir.resolve("exit-status");
    return Files.exists(f) ? Optional.of(Files.readString(f).trim()) : Optional.empty();
  }

  /** Dumps the job on A, copies its directory and images to B, restores it on B. */
  private RestoredJob migrate(Job job) throws Exception {
    DumpResult dumped = a.checkpointer(criu).dump(DumpRequest.of(job.rootPid(), dumpDir(a, job)));
    assertThat(
            job.launcher().waitFor(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
        .as("the source's launcher ends once the dump killed the job")
        .isTrue();
    System.out.println("source launcher ended with status " + job.launcher().exitValue());
    report("dump", dumped);
    LocalNodes.copy(a.hostJobDir(job.id()), b.hostJobDir(job.id()));
    LocalNodes.copy(a.images(job.id()), b.images(job.id()));
    RestoredJob restored = b.checkpointer(criu).restore(new RestoreRequest(dumpDir(b, job)));
    nodes.track(restored.handle());
    System.out.printf(
        "restore %s: %d ms wall, CRIU restore %d ms, %d pages%n",
        job.id(),
        restored.elapsed().toMillis(),
        restored.stats().restoring().toMillis(),
        restored.stats().pagesRestored());
    return restored;
  }

  private static Path dumpDir(Node node, Job job) {
    return node.images(job.id()).resolve("dump");
  }

  private static void report(String what, DumpResult r) {
    System.out.printf(
        "%s: frozen %d ms, CRIU total %d ms wall, %d pages written (%d skipped as unchanged),"
            + " %.1f MiB of images%n",
        what,
        r.stats().frozen().toMillis(),
        r.elapsed().toMillis(),
        r.stats().pagesWritten(),
        r.stats().pagesSkippedParent(),
        r.imageBytes() / 1048576.0);
  }

  @Test
  void aCounterMovesToAnotherNodeWithoutGapOrRepeatAndRecordsItsExitThere() throws Exception {
    Job job =
        a.launch(
            "j1",
            "sh",
            "-c",
            "i=0; while [ $i -lt 60 ]; do echo $i; i=$((i+1)); sleep 0.05; done; exit 7");
    awaitLines(job.file("stdout"), 10);
    assertThat(a.checkpointer(criu).check(job.rootPid()).migratable()).isTrue();

    RestoredJob restored = migrate(job);

    assertThat(LocalNodes.alive(job.rootPid())).isFalse();
    assertThat(restored.rootPid()).isNotEqualTo(job.rootPid());
    Path onB = b.hostJobDir("j1");
    await().atMost(TIMEOUT).until(() -> exitStatus(onB).isPresent());
    assertThat(lines(onB.resolve("stdout"))).containsExactlyElementsOf(count(60));
    assertThat(exitStatus(onB)).contains("7");
    assertThat(restored.handle().waitFor()).as("criu restore ends with the job, status 0").isZero();
    assertThat(exitStatus(a.hostJobDir("j1"))).as("nothing recorded on the source").isEmpty();
  }

  @Test
  void theRestoredJobLandsInTheRestoringNodesCgroup() throws Exception {
    Path v1 = Path.of("/sys/fs/cgroup/cpu");
    Path root = Files.exists(v1.resolve("cgroup.procs")) ? v1 : Path.of("/sys/fs/cgroup");
    Assumptions.assumeTrue(
        Files.isWritable(root.resolve("cgroup.procs")), "needs a writable cgroup hierarchy");
    String name = "roam-it-" + Long.toHexString(System.nanoTime());
    Path group = Files.createDirectory(root.resolve(name));
    try {
      Job job =
          a.launch("j11", "sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done");
      awaitLines(job.file("stdout"), 3);
      assertThat(cgroups(job.rootPid())).noneMatch(l -> l.endsWith(":/" + name));
      a.checkpointer(criu).dump(DumpRequest.of(job.rootPid(), dumpDir(a, job)));
      LocalNodes.copy(a.hostJobDir("j11"), b.hostJobDir("j11"));
      LocalNodes.copy(a.images("j11"), b.images("j11"));
      // Node B's agent runs in its node's group; here criu alone joins it before it starts.
      List<String> prefix = new java.util.ArrayList<>(b.prefix());
      prefix.addAll(
          List.of("sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", group.toString()));
      RestoredJob restored =
          new CriuCheckpointer(criu, prefix, TIMEOUT).restore(new RestoreRequest(dumpDir(b, job)));
      nodes.track(restored.handle());
      assertThat(cgroups(restored.rootPid())).anyMatch(l -> l.endsWith(":/" + name));
      long counter =
          ProcessHandle.of(restored.rootPid())
              .orElseThrow()
              .children()
              .findFirst()
              .orElseThrow()
              .pid();
      assertThat(cgroups(counter)).anyMatch(l -> l.endsWith(":/" + name));
    } finally {
      nodes.close();
      await()
          .atMost(TIMEOUT)
          .ignoreExceptions()
          .until(
              () -> {
                Files.deleteIfExists(group);
                return true;
              });
    }
  }

  private static List<String> cgroups(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"));
  }

  @Test
  void openFilesPipesAndChildrenMoveToo() throws Exception {
    String script =
        "exec 3>>data.log; sleep 600 & i=0; while [ $i -lt 60 ]; do echo $i >&3; echo $i;"
            + " i=$((i+1)); sleep 0.05; done | cat > piped.out; kill $!; exit 5";
    Job job = a.launch("j2", "sh", "-c", script);
    Path work = job.file("work");
    awaitLines(work.resolve("piped.out"), 10);
    long processes = ProcessHandle.of(job.rootPid()).orElseThrow().descendants().count() + 1;
    assertThat(processes).as("recipe shell, job shell, sleep, loop, cat").isGreaterThanOrEqualTo(5);

    RestoredJob restored = migrate(job);

    assertThat(ProcessHandle.of(restored.rootPid()).orElseThrow().descendants().count() + 1)
        .as("the restored tree has as many processes")
        .isGreaterThanOrEqualTo(processes - 1); // a short-lived "sleep 0.05" may have ended
    Path onB = b.hostJobDir("j2");
    await().atMost(TIMEOUT).until(() -> exitStatus(onB).isPresent());
    assertThat(lines(onB.resolve("work/data.log"))).containsExactlyElementsOf(count(60));
    assertThat(lines(onB.resolve("work/piped.out"))).containsExactlyElementsOf(count(60));
    assertThat(exitStatus(onB)).contains("5");
  }

  @Test
  void aMultiThreadedJobMovesWithAllItsThreads() throws Exception {
    String program =
        "import threading, time\n"
            + "counts = [0] * 4\n"
            + "def work(k):\n"
            + "    while True:\n"
            + "        counts[k] += 1\n"
            + "        time.sleep(0.005)\n"
            + "for k in range(4):\n"
            + "    threading.Thread(target=work, args=(k,), daemon=True).start()\n"
            + "i = 0\n"
            + "while True:\n"
            + "    print(i, threading.active_count(), min(counts), flush=True)\n"
            + "    i += 1\n"
            + "    time.sleep(0.05)\n";
    Job job = a.launch("j3", PYTHON, "-c", program);
    Path out = job.file("stdout");
    awaitLines(out, 10);
    long python =
        ProcessHandle.of(job.rootPid()).orElseThrow().children().findFirst().orElseThrow().pid();
    assertThat(threads(python)).isEqualTo(5);

    RestoredJob restored = migrate(job);

    long pythonOnB =
        ProcessHandle.of(restored.rootPid())
            .orElseThrow()
            .children()
            .findFirst()
            .orElseThrow()
            .pid();
    assertThat(threads(pythonOnB)).isEqualTo(5);
    Path onB = b.hostJobDir("j3").resolve("stdout");
    int before = lines(onB).size();
    awaitLines(onB, before + 20);
    List<String> all = lines(onB);
    List<Integer> counters = all.stream().map(l -> Integer.parseInt(l.split(" ")[0])).toList();
    assertThat(counters).containsExactlyElementsOf(IntStream.range(0, all.size()).boxed().toList());
    assertThat(all).allSatisfy(l -> assertThat(l.split(" ")[1]).isEqualTo("5"));
    int workersBefore = Integer.parseInt(all.get(before - 1).split(" ")[2]);
    int workersAfter = Integer.parseInt(all.get(all.size() - 1).split(" ")[2]);
    assertThat(workersAfter).as("every worker thread kept working").isGreaterThan(workersBefore);

    // Destroying the handle kills the job, as destroying the launcher does on a fresh node.
    restored.handle().destroyForcibly();
    await().atMost(TIMEOUT).until(() -> !LocalNodes.alive(pythonOnB));
  }

  @Test
  void aJvmMovesWithItsThreads() throws Exception {
    String source =
        "public class Count {\n"
            + "  public static void main(String[] args) throws Exception {\n"
            + "    long[] counts = new long[4];\n"
            + "    for (int k = 0; k < 4; k++) {\n"
            + "      int j = k;\n"
            + "      Thread t = new Thread(() -> {\n"
            + "        while (true) {\n"
            + "          counts[j]++;\n"
            + "          try { Thread.sleep(5); } catch (InterruptedException e) { return; }\n"
            + "        }\n"
            + "      });\n"
            + "      t.setDaemon(true);\n"
            + "      t.start();\n"
            + "    }\n"
            + "    for (int i = 0; ; i++) {\n"
            + "      long min = Long.MAX_VALUE;\n"
            + "      for (long c : counts) min = Math.min(min, c);\n"
            + "      System.out.println(i + \" \" + min);\n"
            + "      Thread.sleep(50);\n"
            + "    }\n"
            + "  }\n"
            + "}\n";
    Path work = Files.createDirectories(a.hostJobDir("j12").resolve("work"));
    Files.writeString(work.resolve("Count.java"), source);
    int compiled =
        javax.tools.ToolProvider.getSystemJavaCompiler()
            .run(null, null, null, "-d", work.toString(), work.resolve("Count.java").toString());
    assertThat(compiled).isZero();
    String java = ProcessHandle.current().info().command().orElse("java");
    // No hsperfdata: the JVM would map /tmp/hsperfdata_<user>/<pid in namespace>, a file
    // outside the job's directory, so missing on another node (and shared by every JVM job
    // that has the same pid in its own namespace).
    Job job =
        a.launch(
            "j12", java, "-XX:-UsePerfData", "-Xmx64m", "-XX:+UseSerialGC", "-cp", ".", "Count");
    Path out = job.file("stdout");
    awaitLines(out, 5);

    RestoredJob restored = migrate(job);

    Path onB = b.hostJobDir("j12").resolve("stdout");
    int before = lines(onB).size();
    awaitLines(onB, before + 10);
    List<String> all = lines(onB);
    assertThat(all.stream().map(l -> l.split(" ")[0]).toList())
        .containsExactlyElementsOf(count(all.size()));
    long workersBefore = Long.parseLong(all.get(before - 1).split(" ")[1]);
    long workersAfter = Long.parseLong(all.get(all.size() - 1).split(" ")[1]);
    assertThat(workersAfter).as("every worker thread kept working").isGreaterThan(workersBefore);
    assertThat(restored.handle().isAlive()).isTrue();
  }

  private static long threads(long pid) throws IOException {
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      return tasks.count();
    }
  }

  @Test
  void aJobListeningOnTcpIsRefusedWithAReasonAndRunsOnUntouched() throws Exception {
    String program =
        "import socket, time\n"
            + "s = socket.socket()\n"
            + "s.bind(('127.0.0.1', 0))\n"
            + "s.listen()\n"
            + "i = 0\n"
            + "while True:\n"
            + "    print(i, flush=True)\n"
            + "    i += 1\n"
            + "    time.sleep(0.05)\n";
    Job job = a.launch("j4", PYTHON, "-c", program);
    Path out = job.file("stdout");
    awaitLines(out, 5);
    CriuCheckpointer checkpointer = a.checkpointer(criu);

    Migratability m = checkpointer.check(job.rootPid());
    System.out.println("check: " + m.reasons());
    assertThat(m.migratable()).isFalse();
    assertThat(m.reasons()).anySatisfy(r -> assertThat(r).contains("listens on TCP 127.0.0.1:"));

    Path images = a.images("j4").resolve("dump");
    assertThatThrownBy(() -> checkpointer.dump(DumpRequest.of(job.rootPid(), images)))
        .isInstanceOfSatisfying(
            CheckpointException.class,
            e -> {
              System.out.println("dump refused: " + e.getMessage());
              assertThat(e.step()).isEqualTo(CheckpointStep.DUMP);
              assertThat(e.reason()).contains("network socket").contains("cannot move");
              assertThat(e.log()).contains(images.resolve("dump.log"));
            });

    assertThat(job.launcher().isAlive()).isTrue();
    assertThat(LocalNodes.alive(job.rootPid())).isTrue();
    int after = lines(out).size();
    awaitLines(out, after + 10);
    assertThat(lines(out)).containsExactlyElementsOf(count(lines(out).size()));
    assertThat(exitStatus(a.hostJobDir("j4"))).isEmpty();
  }

  @Test
  void aJobTalkingToAUnixSocketOutsideItIsRefusedAndRunsOn() throws Exception {
    Path socketPath = a.hostState.resolve("outside.sock");
    try (var server =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      server.bind(java.net.UnixDomainSocketAddress.of(socketPath));
      String program =
          "import socket, sys, time\n"
              + "c = socket.socket(socket.AF_UNIX)\n"
              + "c.connect(sys.argv[1])\n"
              + "i = 0\n"
              + "while True:\n"
              + "    print(i, flush=True)\n"
              + "    i += 1\n"
              + "    time.sleep(0.05)\n";
      Job job = a.launch("j9", PYTHON, "-c", program, socketPath.toString());
      try (var peer = server.accept()) {
        assertRefusedAndRunningOn(job, "Unix socket of a process outside the job");
      }
    }
  }

  @Test
  void aJobWithADeviceOpenIsRefusedAndRunsOn() throws Exception {
    Path device = Path.of("/dev/fuse");
    Assumptions.assumeTrue(Files.exists(device), "needs " + device + " (character device 10:229)");
    String program =
        "import sys, time\n"
            + "d = open(sys.argv[1], 'rb', buffering=0)\n"
            + "i = 0\n"
            + "while True:\n"
            + "    print(i, flush=True)\n"
            + "    i += 1\n"
            + "    time.sleep(0.05)\n";
    Job job = a.launch("j10", PYTHON, "-c", program, device.toString());
    awaitLines(job.file("stdout"), 3);
    assertThat(a.checkpointer(criu).check(job.rootPid()).reasons())
        .containsExactly(
            "the job has the device /dev/fuse open, which cannot move to another node");
    assertRefusedAndRunningOn(job, "character device 10:229");
  }

  private void assertRefusedAndRunningOn(Job job, String reason) throws Exception {
    Path out = job.file("stdout");
    awaitLines(out, 3);
    Path images = a.images(job.id()).resolve("dump");
    assertThatThrownBy(() -> a.checkpointer(criu).dump(DumpRequest.of(job.rootPid(), images)))
        .isInstanceOfSatisfying(
            CheckpointException.class,
            e -> {
              System.out.println("dump refused: " + e.getMessage());
              assertThat(e.reason()).contains(reason);
            });
    int after = lines(out).size();
    awaitLines(out, after + 5);
    assertThat(lines(out)).containsExactlyElementsOf(count(lines(out).size()));
    assertThat(job.launcher().isAlive()).isTrue();
  }

  @Test
  void preDumpShortensTheFreezeWhereTheKernelTracksDirtyMemory() throws Exception {
    String program =
        "import time\n"
            + "b = bytearray(b'\\x01') * (256 << 20)\n"
            + "i = 0\n"
            + "while True:\n"
            + "    b[(i * 4096) % (1 << 20)] = i % 256\n"
            + "    print(i, flush=True)\n"
            + "    i += 1\n"
            + "    time.sleep(0.05)\n";
    CriuCheckpointer checkpointer = a.checkpointer(criu);
    Job plain = a.launch("j5", PYTHON, "-c", program);
    Job iterative = a.launch("j6", PYTHON, "-c", program);
    awaitLines(plain.file("stdout"), 3);
    awaitLines(iterative.file("stdout"), 3);

    DumpResult withoutPreDump =
        checkpointer.dump(DumpRequest.of(plain.rootPid(), a.images("j5").resolve("dump")));
    report("256 MiB, plain dump", withoutPreDump);
    assertThat(withoutPreDump.stats().pagesWritten()).isGreaterThan(65_536);
    int printed = lines(plain.file("stdout")).size();
    long copyStart = System.nanoTime();
    LocalNodes.copy(a.hostJobDir("j5"), b.hostJobDir("j5"));
    LocalNodes.copy(a.images("j5"), b.images("j5"));
    System.out.printf("256 MiB, copy: %d ms%n", (System.nanoTime() - copyStart) / 1_000_000);
    RestoredJob big = b.checkpointer(criu).restore(new RestoreRequest(dumpDir(b, plain)));
    nodes.track(big.handle());
    System.out.printf(
        "256 MiB, restore: %d ms wall, CRIU restore %d ms, %d pages%n",
        big.elapsed().toMillis(), big.stats().restoring().toMillis(), big.stats().pagesRestored());
    Path onB = b.hostJobDir("j5").resolve("stdout");
    awaitLines(onB, printed + 5);
    assertThat(lines(onB)).containsExactlyElementsOf(count(lines(onB).size()));

    Path pre = a.images("j6").resolve("pre-1");
    if (!checkpointer.supportsPreDump()) {
      assertThatThrownBy(() -> checkpointer.preDump(DumpRequest.of(iterative.rootPid(), pre)))
          .isInstanceOfSatisfying(
              CheckpointException.class,
              e -> {
                System.out.println("pre-dump unavailable here: " + e.reason());
                assertThat(e.reason()).contains("CONFIG_MEM_SOFT_DIRTY");
              });
      int n = lines(iterative.file("stdout")).size();
      awaitLines(iterative.file("stdout"), n + 3);
      assertThat(LocalNodes.alive(iterative.rootPid())).isTrue();
      return;
    }
    DumpResult first = checkpointer.preDump(DumpRequest.of(iterative.rootPid(), pre));
    report("256 MiB, pre-dump", first);
    int n = lines(iterative.file("stdout")).size();
    awaitLines(iterative.file("stdout"), n + 5);
    DumpResult last =
        checkpointer.dump(
            DumpRequest.of(iterative.rootPid(), a.images("j6").resolve("dump")).after(pre));
    report("256 MiB, dump after pre-dump", last);
    System.out.printf(
        "frozen: %d ms without pre-dump, %d ms with (ratio %.2f)%n",
        withoutPreDump.stats().frozen().toMillis(),
        last.stats().frozen().toMillis(),
        (double) last.stats().frozen().toNanos() / withoutPreDump.stats().frozen().toNanos());
    assertThat(last.stats().pagesSkippedParent()).isGreaterThan(60_000);
    assertThat(Files.readSymbolicLink(a.images("j6").resolve("dump/parent")))
        .isEqualTo(Path.of("../pre-1"));
  }

  @Test
  void aRestoreWithoutTheJobsFilesSaysWhichIsMissingAndLeavesNothingRunning() throws Exception {
    Job job =
        a.launch("j7", "sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done");
    awaitLines(job.file("stdout"), 5);
    a.checkpointer(criu).dump(DumpRequest.of(job.rootPid(), dumpDir(a, job)));
    LocalNodes.copy(a.images("j7"), b.images("j7")); // but not the job's directory

    assertThatThrownBy(() -> b.checkpointer(criu).restore(new RestoreRequest(dumpDir(b, job))))
        .isInstanceOfSatisfying(
            CheckpointException.class,
            e -> {
              System.out.println("restore failed: " + e.getMessage());
              assertThat(e.step()).isEqualTo(CheckpointStep.RESTORE);
              assertThat(e.reason())
                  .contains(nodes.statePath().resolve("jobs/j7").toString())
                  .contains("missing on this node");
              assertThat(e.log()).contains(dumpDir(b, job).resolve("restore.log"));
            });
    assertThat(LocalNodes.processesMentioning(nodes.statePath() + "/jobs/j7")).isEmpty();

    // The migration failed before the target acknowledged: the source restores its own image.
    int before = lines(job.file("stdout")).size();
    RestoredJob back = a.checkpointer(criu).restore(new RestoreRequest(dumpDir(a, job)));
    nodes.track(back.handle());
    awaitLines(job.file("stdout"), before + 10);
    assertThat(lines(job.file("stdout")))
        .containsExactlyElementsOf(count(lines(job.file("stdout")).size()));
  }

  @Test
  void aRestoreFromDamagedImagesSaysSoAndLeavesNothingRunning() throws Exception {
    Job job =
        a.launch("j8", "sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done");
    awaitLines(job.file("stdout"), 5);
    a.checkpointer(criu).dump(DumpRequest.of(job.rootPid(), dumpDir(a, job)));
    LocalNodes.copy(a.hostJobDir("j8"), b.hostJobDir("j8"));
    LocalNodes.copy(a.images("j8"), b.images("j8"));
    try (var images = Files.list(dumpDir(b, job))) {
      for (Path p : images.filter(p -> p.getFileName().toString().startsWith("pages-")).toList()) {
        try (var ch =
            java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
          ch.truncate(100);
        }
      }
    }
    Files.delete(dumpDir(b, job).resolve("pagemap-1.img"));

    assertThatThrownBy(() -> b.checkpointer(criu).restore(new RestoreRequest(dumpDir(b, job))))
        .isInstanceOfSatisfying(
            CheckpointException.class,
            e -> {
              System.out.println("restore failed: " + e.getMessage());
              assertThat(e.reason()).contains("damaged or incomplete");
            });
    assertThat(LocalNodes.processesMentioning(nodes.statePath() + "/jobs/j8")).isEmpty();
    assertThat(lines(b.hostJobDir("j8").resolve("stdout")))
        .as("nothing wrote to the job's files on B")
        .isEqualTo(lines(a.hostJobDir("j8").resolve("stdout")));
  }
}
