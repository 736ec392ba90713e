package io.roam.web;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.net.BindException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Starts HTTP servers, turning bind failures into messages a person can act on. */
public final class HttpServers {
  private HttpServers() {}

  /**
   * Listens on host:port (port 0: any free port) and waits until it does.
   *
   * @throws IllegalStateException naming the address when it cannot be bound
   */
  public static HttpServer listen(Vertx vertx, Router router, String host, int port) {
    HttpServerOptions options =
        new HttpServerOptions().setHost(host).setPort(port).setCompressionSupported(true);
    try {
      return vertx
          .createHttpServer(options)
          .requestHandler(router)
          .listen()
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof BindException
          || String.valueOf(cause).contains("Address already in use")) {
        throw new IllegalStateException(
            "port "
                + port
                + " on "
                + host
                + " is in use: stop what holds it or choose another port",
            cause);
      }
      throw new IllegalStateException(
          "cannot listen on " + host + ":" + port + ": " + cause, cause);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e, e);
    }
  }
}
