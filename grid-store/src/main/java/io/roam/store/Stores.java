package io.roam.store;

import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/** What the Curator-backed stores share: reading a versioned record, and wording failures. */
final class Stores {
  private Stores() {}

  static StoreException failure(String what, Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    return new StoreException("could not " + what + ": " + e, e);
  }

  /** The record at {@code path} with its version; empty if there is none. */
  static <T> Optional<Versioned<T>> read(CuratorFramework client, String path, Class<T> type) {
    Stat stat = new Stat();
    byte[] data;
    try {
      data = client.getData().storingStatIn(stat).forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw failure("read " + path, e);
    }
    try {
      return Optional.of(new Versioned<>(Json.decode(data, type), stat.getVersion()));
    } catch (JsonException e) {
      throw new StoreException("corrupt record at " + path + ": " + e.getMessage(), e);
    }
  }
}
