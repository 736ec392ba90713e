package io.roam.store;

import io.roam.common.auth.TokenRecord;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.roam.common.zk.ZkLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/** {@link TokenStore} in ZooKeeper, at {@link ZkLayout#token(String)}. */
public final class CuratorTokenStore implements TokenStore {
  private final CuratorFramework client;
  private final ZkLayout layout;

  public CuratorTokenStore(CuratorFramework client, ZkLayout layout) {
    this.client = client;
    this.layout = layout;
  }

  @Override
  public void create(TokenRecord token) {
    try {
      client
          .create()
          .creatingParentsIfNeeded()
          .forPath(layout.token(token.name()), Json.encode(token));
    } catch (KeeperException.NodeExistsException e) {
      throw new ConflictException("a token named '" + token.name() + "' exists already");
    } catch (Exception e) {
      throw Stores.failure("create token " + token.name(), e);
    }
  }

  @Override
  public void put(TokenRecord token) {
    String path = layout.token(token.name());
    try {
      client.create().orSetData().creatingParentsIfNeeded().forPath(path, Json.encode(token));
    } catch (Exception e) {
      throw Stores.failure("store token " + token.name(), e);
    }
  }

  @Override
  public Optional<TokenRecord> token(String name) {
    String path = layout.token(name);
    try {
      return Optional.of(Json.decode(client.getData().forPath(path), TokenRecord.class));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (JsonException e) {
      throw new StoreException("corrupt record at " + path + ": " + e.getMessage(), e);
    } catch (Exception e) {
      throw Stores.failure("read token " + name, e);
    }
  }

  @Override
  public List<TokenRecord> tokens() {
    List<String> names;
    try {
      names = client.getChildren().forPath(layout.tokens());
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    } catch (Exception e) {
      throw Stores.failure("list tokens", e);
    }
    List<TokenRecord> result = new ArrayList<>();
    for (String name : names) {
      token(name).ifPresent(result::add);
    }
    result.sort(Comparator.comparing(TokenRecord::name));
    return result;
  }

  @Override
  public boolean delete(String name) {
    try {
      client.delete().forPath(layout.token(name));
      return true;
    } catch (KeeperException.NoNodeException e) {
      return false;
    } catch (Exception e) {
      throw Stores.failure("delete token " + name, e);
    }
  }
}
