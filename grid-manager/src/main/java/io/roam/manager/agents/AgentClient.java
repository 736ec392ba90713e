package io.roam.manager.agents;

import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.api.AgentMigrateRequest;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.Problem;
import io.roam.common.id.JobId;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls agents' APIs with the grid's agent secret. Blocking; call it off the event loop. */
public final class AgentClient {
  /** How long an agent may take to answer, unless configured: enough for a loaded node. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

  // HTTP/1.1: agents serve plain HTTP, where an HTTP/2 client first asks each new connection to
  // upgrade (h2c), which costs the first call to an agent time for nothing.
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String secret;
  private final Duration timeout;

  public AgentClient(String secret) {
    this(secret, DEFAULT_TIMEOUT);
  }

  /**
   * @param timeout how long an agent may take to answer a call (slow nodes, such as guests under
   *     software emulation, need more)
   */
  public AgentClient(String secret, Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the agent timeout must be positive, not " + timeout);
    }
    this.secret = secret;
    this.timeout = timeout;
  }

  /** A chunk of a job's output file on its node. */
  public record LogChunk(byte[] bytes, long nextOffset) {}

  public JobRecord launch(NodeRecord node, AgentLaunchRequest request) {
    HttpResponse<byte[]> response =
        send(
            node,
            request(node, ApiPaths.AGENT_JOBS)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(request))));
    return Json.decode(response.body(), JobRecord.class);
  }

  public void migrate(NodeRecord node, JobId job, AgentMigrateRequest request) {
    send(
        node,
        request(node, ApiPaths.agentJobMigrate(job.value()))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(request))));
  }

  /** Restores a RESTARTING job from the checkpoint the node keeps; returns once it runs. */
  public void restore(NodeRecord node, JobId job) {
    send(
        node,
        request(node, ApiPaths.agentJobRestore(job.value()))
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** Checkpoints a job running on the node; returns the job's record once the image is kept. */
  public JobRecord checkpoint(NodeRecord node, JobId job) {
    HttpResponse<byte[]> response =
        send(
            node,
            request(node, ApiPaths.agentJobCheckpoint(job.value()))
                .POST(HttpRequest.BodyPublishers.noBody()));
    return Json.decode(response.body(), JobRecord.class);
  }

  public void kill(NodeRecord node, JobId job) {
    send(
        node,
        request(node, ApiPaths.agentJobKill(job.value()))
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** The node's gossip view of the grid's load (its own entry first), as the agent encodes it. */
  public byte[] load(NodeRecord node) {
    return send(node, request(node, ApiPaths.AGENT_LOAD).GET()).body();
  }

  public LogChunk logs(NodeRecord node, JobId job, String stream, long offset) {
    HttpResponse<byte[]> response =
        send(
            node,
            request(
                    node,
                    ApiPaths.agentJobLogs(job.value()) + "?stream=" + stream + "&offset=" + offset)
                .GET());
    long next =
        response
            .headers()
            .firstValueAsLong(ApiPaths.NEXT_OFFSET_HEADER)
            .orElse(offset + response.body().length);
    return new LogChunk(response.body(), next);
  }

  private HttpRequest.Builder request(NodeRecord node, String path) {
    return HttpRequest.newBuilder(URI.create(node.agentUrl() + path))
        .timeout(timeout)
        .header("Authorization", "Bearer " + secret);
  }

  private HttpResponse<byte[]> send(NodeRecord node, HttpRequest.Builder builder) {
    HttpResponse<byte[]> response;
    try {
      response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (java.net.http.HttpTimeoutException e) {
      throw new AgentUnreachableException(
          "node "
              + node.id()
              + " did not answer within "
              + timeout.toSeconds()
              + " s (a slow node may need a longer agent timeout: roam-manager serve"
              + " --agent-timeout)",
          e);
    } catch (IOException e) {
      throw new AgentUnreachableException(
          "node " + node.id() + " did not answer at " + node.agentUrl() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentUnreachableException("interrupted while calling node " + node.id(), e);
    }
    if (response.statusCode() >= 300) {
      String detail;
      try {
        detail = Json.decode(response.body(), Problem.class).detail();
      } catch (JsonException e) {
        detail = "HTTP " + response.statusCode();
      }
      throw new AgentRefusedException(response.statusCode(), detail);
    }
    return response;
  }
}
