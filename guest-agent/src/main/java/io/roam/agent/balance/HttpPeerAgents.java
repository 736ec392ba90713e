package io.roam.agent.balance;

import io.roam.agent.gossip.LoadEntry;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.Problem;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** {@link PeerAgents} over the agents' REST API, with the grid's agent secret. */
public final class HttpPeerAgents implements PeerAgents {
  private final HttpClient http;
  private final String secret;
  private final Duration probeTimeout;
  private final Duration launchTimeout;

  /**
   * @param probeTimeout how long a node may take to tell its load (a slow answer is no answer: the
   *     job starts here rather than wait)
   * @param launchTimeout how long a node may take to start a job passed on to it
   */
  public HttpPeerAgents(String secret, Duration probeTimeout, Duration launchTimeout) {
    this.secret = secret;
    this.probeTimeout = probeTimeout;
    this.launchTimeout = launchTimeout;
    this.http = HttpClient.newBuilder().connectTimeout(probeTimeout).build();
  }

  @Override
  public LoadEntry load(NodeRecord node) {
    byte[] body = send(node, request(node, ApiPaths.AGENT_LOAD_SELF, probeTimeout).GET());
    LoadEntry own = Json.decode(body, LoadEntry.class);
    if (!own.node().equals(node.id())) {
      throw new PeerCallException(0, "node " + node.id() + " answered as " + own.node());
    }
    return own;
  }

  @Override
  public JobRecord launch(NodeRecord node, AgentLaunchRequest request) {
    byte[] body =
        send(
            node,
            request(node, ApiPaths.AGENT_JOBS, launchTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(request))));
    return Json.decode(body, JobRecord.class);
  }

  private HttpRequest.Builder request(NodeRecord node, String path, Duration timeout) {
    return HttpRequest.newBuilder(URI.create(node.agentUrl() + path))
        .timeout(timeout)
        .header("Authorization", "Bearer " + secret);
  }

  private byte[] send(NodeRecord node, HttpRequest.Builder builder) {
    HttpResponse<byte[]> response;
    try {
      response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new PeerCallException(0, "node " + node.id() + " did not answer: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PeerCallException(0, "interrupted while calling node " + node.id());
    }
    if (response.statusCode() >= 300) {
      String detail;
      try {
        detail = Json.decode(response.body(), Problem.class).detail();
      } catch (RuntimeException e) {
        detail = "HTTP " + response.statusCode();
      }
      throw new PeerCallException(response.statusCode(), detail);
    }
    return response.body();
  }
}
