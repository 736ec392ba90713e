package io.roam.manager.console;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web console for cluster owners: static pages under {@code /console/} that speak the REST API
 * with the token the user logs in with (kept in the browser's session storage).
 */
public final class Console {
  public static final String PATH = "/console";

  private Console() {}

  public static void mount(Router router) {
    router.get("/").handler(ctx -> ctx.redirect(PATH + "/"));
    router
        .route(PATH + "/*")
        .handler(
            StaticHandler.create("console")
                .setCachingEnabled(false)
                .setDefaultContentEncoding("UTF-8")
                .setIndexPage("index.html"));
  }
}
