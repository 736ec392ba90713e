package io.roam.gridctl;

import com.fasterxml.jackson.core.type.TypeReference;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.DetachRequest;
import io.roam.common.api.OperationRequest;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.roam.common.model.OperationRecord;
import io.roam.common.model.OperationRecord.ItemState;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.client.GridCtlException;
import io.roam.gridctl.output.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Cluster membership: detach and attach (under `gridctl cluster`), and the operations. */
final class ClusterOps {
  private ClusterOps() {}

  static final String PARALLEL_HELP =
      "Migrations it runs at once, 1 to 64 (default: the manager's --parallel-moves, 4 unless"
          + " configured). On a real grid each migration uses its source and target nodes;"
          + " more at once finish sooner until the network or the nodes are saturated.";

  private static final PrintStream OUT = System.out;

  /** The request body for {@code --parallel}: none when not given (the manager's number). */
  static OperationRequest options(Integer parallel) {
    return parallel == null ? null : new OperationRequest(checkParallel(parallel));
  }

  static Integer checkParallel(Integer parallel) {
    if (parallel != null && (parallel < 1 || parallel > OperationRecord.MAX_PARALLEL)) {
      throw new GridCtlException(
          "--parallel must be between 1 and " + OperationRecord.MAX_PARALLEL + ", not " + parallel);
    }
    return parallel;
  }

  private static final PrintStream ERR = System.err;

  @Command(
      name = "detach",
      mixinStandardHelpOptions = true,
      description = {
        "Take a cluster out of the grid without stopping any program.",
        "",
        "Its nodes stop taking guests; every guest on them migrates home (or elsewhere",
        "in its home cluster, or to any attached cluster); every job of this cluster",
        "running elsewhere migrates back; then the cluster is DETACHED. Nothing is ever",
        "killed: a job that cannot migrate makes the operation wait, and says so."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:detached (or, without --wait, started)",
        "1:refused, or failed at its deadline"
      })
  static final class Detach implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "CLUSTER", description = "The cluster id.")
    String cluster;

    @Mixin OperationOptions operation;

    @Option(names = "--deadline", description = "How long it may take: 90s, 10m, 2h.")
    String deadline;

    @Option(
        names = "--on-deadline",
        description =
            "At the deadline: wait (keep going) or fail (stop; the cluster stays attached).")
    OperationRecord.OnDeadline onDeadline;

    @Override
    public Integer call() throws Exception {
      Integer parallel = checkParallel(operation.parallel);
      Long seconds = deadline == null ? null : parseDuration(deadline).toSeconds();
      if (onDeadline != null && seconds == null) {
        throw new GridCtlException("--on-deadline needs --deadline");
      }
      ApiClient api = grid.client();
      OperationRecord op =
          api.post(
              ApiPaths.clusterDetach(cluster),
              new DetachRequest(seconds, onDeadline, parallel),
              OperationRecord.class);
      return operation.follow(api, op);
    }
  }

  @Command(
      name = "attach",
      mixinStandardHelpOptions = true,
      description = "Bring a detached cluster back into the grid.")
  static final class Attach implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "CLUSTER", description = "The cluster id.")
    String cluster;

    @Option(names = "--wait", description = "Wait until it is attached.")
    boolean await;

    @Option(names = "--json", description = "Print the operation as JSON.")
    boolean json;

    @Option(
        names = "--parallel",
        paramLabel = "N",
        description =
            "Migrations it may run at once, 1 to 64 (recorded with the operation; attaching"
                + " moves no job today).")
    Integer parallel;

    @Override
    public Integer call() throws Exception {
      ApiClient api = grid.client();
      OperationRecord op =
          api.post(ApiPaths.clusterAttach(cluster), options(parallel), OperationRecord.class);
      return follow(api, op, await, json);
    }
  }

  static int follow(ApiClient api, OperationRecord op, boolean await, boolean json)
      throws InterruptedException {
    if (!await) {
      if (json) {
        OUT.println(Json.encodePretty(op));
      } else {
        OUT.printf(
            "Operation %s started (%s of %s, %s).%n",
            op.id(), op.kind().name().toLowerCase(Locale.ROOT), op.subject(), atOnce(op));
      }
      return 0;
    }
    if (op.state() == OperationRecord.State.RUNNING) {
      Consumer<OperationRecord> show = json ? r -> {} : new Progress();
      show.accept(op);
      op = untilEnded(api, op, show);
    }
    if (json) {
      OUT.println(Json.encodePretty(op));
    } else {
      double took = Duration.between(op.createdAt(), op.updatedAt()).toMillis() / 1000.0;
      OUT.printf(
          "%s after %.1f s: %s.%n",
          op.state() == OperationRecord.State.DONE ? "Done" : "Failed", took, op.message());
      if (!op.items().isEmpty()) {
        Table t = new Table("JOB", "FROM", "TO", "STATE", "NOTE");
        op.items().forEach(i -> t.row(i.job(), i.from(), i.to(), i.state(), i.reason()));
        t.print(OUT);
      }
    }
    return op.state() == OperationRecord.State.DONE ? 0 : 1;
  }

  /** Prints an operation's progress line when it differs from the last one printed. */
  private static final class Progress implements Consumer<OperationRecord> {
    private String last = "";

    @Override
    public void accept(OperationRecord op) {
      String line = progress(op);
      if (!line.equals(last)) {
        ERR.println(line);
        last = line;
      }
    }
  }

  /** What the event stream says in {@code data:} of an operation's event. */
  record OperationEvent(String type, String id, String cluster, OperationRecord value) {}

  /**
   * Follows a running operation until it ends, showing each change: told by the manager's event
   * stream (so the end is seen when it happens, not up to a polling period later), or, when the
   * stream cannot be had or breaks, by reading the record every 300 ms.
   */
  static OperationRecord untilEnded(
      ApiClient api, OperationRecord started, Consumer<OperationRecord> show)
      throws InterruptedException {
    OperationRecord op = started;
    String path = ApiPaths.operation(op.id());
    try (ApiClient.Events events = api.events("?types=operation")) {
      // Subscribed; the record read now holds every change made before.
      op = api.get(path, OperationRecord.class);
      show.accept(op);
      while (op.state() == OperationRecord.State.RUNNING) {
        Optional<ApiClient.Event> event = events.next();
        if (event.isEmpty()) {
          break;
        }
        OperationEvent e =
            event.get().type().equals("reload")
                ? null
                : Json.decode(event.get().data(), OperationEvent.class);
        if (e != null && !op.id().equals(e.id())) {
          continue;
        }
        if (e == null || e.value() == null) {
          // Events were missed, or it was deleted: the record says what is now (404 if deleted).
          op = api.get(path, OperationRecord.class);
        } else if (e.value().updatedAt().isBefore(op.updatedAt())) {
          continue;
        } else {
          op = e.value();
        }
        show.accept(op);
      }
    } catch (IOException | GridCtlException | JsonException e) {
      // A stream cut or refused (an older manager): reading the record still works.
    }
    while (op.state() == OperationRecord.State.RUNNING) {
      Thread.sleep(300);
      op = api.get(path, OperationRecord.class);
      show.accept(op);
    }
    return op;
  }

  private static String progress(OperationRecord op) {
    long done = op.count(ItemState.DONE);
    long moving = op.count(ItemState.MOVING);
    return String.format(
        "%s %s: %d/%d jobs moved, %d moving (%s) — %s",
        op.kind().name().toLowerCase(Locale.ROOT),
        op.node() == null ? op.cluster() : op.node(),
        done,
        op.items().size(),
        moving,
        atOnce(op),
        op.message());
  }

  /** "4 at once", or the manager's default for records from before the setting. */
  static String atOnce(OperationRecord op) {
    return op.parallel() == null ? "manager's number at once" : op.parallel() + " at once";
  }

  static Duration parseDuration(String text) {
    try {
      String t = text.trim().toLowerCase(Locale.ROOT);
      long n = Long.parseLong(t.replaceAll("[smh]$", ""));
      Duration d =
          t.endsWith("h")
              ? Duration.ofHours(n)
              : t.endsWith("m") ? Duration.ofMinutes(n) : Duration.ofSeconds(n);
      if (d.isNegative() || d.isZero()) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new GridCtlException(
          "deadline '" + text + "' is not a duration such as 90s, 10m or 2h");
    }
  }

  @Command(
      name = "operation",
      mixinStandardHelpOptions = true,
      description = "Cluster operations and their progress.",
      subcommands = {OperationList.class, OperationShow.class})
  static final class OperationCmd {}

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List operations.")
  static final class OperationList implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      List<OperationRecord> ops =
          grid.client().get(ApiPaths.OPERATIONS, new TypeReference<List<OperationRecord>>() {});
      if (json) {
        OUT.println(Json.encodePretty(ops));
        return 0;
      }
      Table t =
          new Table(
              "OPERATION", "KIND", "CLUSTER", "STATE", "JOBS", "AT ONCE", "STARTED", "MESSAGE");
      ops.forEach(
          o ->
              t.row(
                  o.id(),
                  o.kind(),
                  o.cluster(),
                  o.state(),
                  o.count(ItemState.DONE) + "/" + o.items().size(),
                  o.parallel(),
                  o.createdAt() == null
                      ? null
                      : Duration.between(o.createdAt(), Instant.now()).toSeconds() + "s ago",
                  o.message()));
      t.print(OUT);
      return 0;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show one operation; --wait follows it.")
  static final class OperationShow implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "OPERATION", description = "The operation id.")
    String id;

    @Option(names = "--wait", description = "Follow it until it ends.")
    boolean await;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      ApiClient api = grid.client();
      OperationRecord op = api.get(ApiPaths.operation(id), OperationRecord.class);
      if (!await && !json) {
        OUT.println(progress(op));
        return 0;
      }
      return follow(api, op, true, json);
    }
  }
}
