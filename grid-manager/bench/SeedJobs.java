import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.common.zk.ZkLayout;
import io.roam.store.CuratorGridStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.api.transaction.CuratorOp;

/**
 * Writes N ended job records straight into a grid's ZooKeeper, spread over its live nodes, for the
 * REST benchmark. Ids start at j1000001 so they never meet the grid's own job counter.
 *
 * <p>java -cp grid-manager.jar SeedJobs.java ZK_CONNECT GRID COUNT
 */
public final class SeedJobs {
  public static void main(String[] args) throws Exception {
    String zk = args[0];
    ZkLayout layout = new ZkLayout(args[1]);
    int count = Integer.parseInt(args[2]);
    try (CuratorGridStore store =
        CuratorGridStore.connect(zk, layout, Duration.ofSeconds(15), Duration.ofSeconds(15))) {
      List<NodeRecord> nodes = store.nodes();
      if (nodes.isEmpty()) {
        throw new IllegalStateException("no live node in grid " + args[1]);
      }
      if (store.client().checkExists().forPath(layout.jobs()) == null) {
        store.client().create().creatingParentsIfNeeded().forPath(layout.jobs());
      }
      Instant now = Instant.now();
      List<CuratorOp> batch = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        NodeRecord n = nodes.get(i % nodes.size());
        JobId id = JobId.ofNumber(1_000_001L + i);
        JobRecord job =
            JobRecord.pending(
                    id,
                    List.of("sh", "-c", "echo seeded job " + i + "; sleep 1"),
                    n.id(),
                    n.cluster(),
                    now)
                .ownedBy("admin")
                .started(now)
                .exited(0, now);
        batch.add(store.client().transactionOp().create().forPath(layout.job(id), Json.encode(job)));
        if (batch.size() == 500 || i == count - 1) {
          store.client().transaction().forOperations(batch);
          batch.clear();
        }
      }
      System.out.println("seeded " + count + " jobs over " + nodes.size() + " nodes");
    }
  }
}
