package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real headless Chromium against a real local grid: log in with the admin
 * token, see the nodes, run a job through the API and watch it appear and finish in the jobs table
 * (live, through the event stream). Screenshots go to target/console-*.png.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir static Path temp;
  private Gridctl gridctl;
  private JsonNode info;
  private WebDriver browser;

  @BeforeAll
  void up() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "chromium and chromium-driver are needed: run scripts/setup.sh");
    gridctl = new Gridctl(temp.resolve("grid"));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Gridctl.Result up =
        gridctl.run(
            Duration.ofSeconds(240),
            "up",
            "--port",
            Integer.toString(port),
            "--clusters",
            "2",
            "--nodes-per-cluster",
            "1",
            "--json");
    assertThat(up.exitCode()).as(up.toString()).isZero();
    info = Json.mapper().readTree(up.out());

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--user-data-dir=" + Files.createDirectories(temp.resolve("chromium")));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  void down() {
    if (browser != null) {
      browser.quit();
    }
    if (gridctl != null) {
      gridctl.run("down");
    }
  }

  private WebDriverWait waiting(int seconds) {
    return new WebDriverWait(browser, Gridctl.scaled(Duration.ofSeconds(seconds)));
  }

  private void screenshot(String name) throws IOException {
    Path target = Path.of("target", "console-" + name + ".png");
    Files.createDirectories(target.getParent());
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Runs a job on c1-n1 (so that the owner of c1 sees it) and returns its id. */
  private String runJob(String... command) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(info.get("api").asText() + "/api/v1/jobs"))
                    .header("Authorization", "Bearer " + info.get("token").asText())
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            Json.encodeString(
                                java.util.Map.of(
                                    "command", java.util.List.of(command), "node", "c1-n1"))))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.mapper().readTree(r.body()).get("id").asText();
  }

  /** An element's text; the console redraws its tables on every event, so look it up afresh. */
  private String text(By locator) {
    for (int attempt = 0; ; attempt++) {
      try {
        return browser.findElement(locator).getText();
      } catch (org.openqa.selenium.StaleElementReferenceException e) {
        if (attempt == 20) {
          throw e;
        }
      }
    }
  }

  @Test
  void anAdminLogsInSeesTheNodesAndWatchesAJobRunAndFinish() throws Exception {
    browser.get(info.get("api").asText() + "/console/");
    waiting(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    browser.findElement(By.id("token")).sendKeys("not-a-token");
    browser.findElement(By.id("login-button")).click();
    waiting(10)
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"), "refused"));

    browser.findElement(By.id("token")).clear();
    browser.findElement(By.id("token")).sendKeys(info.get("token").asText());
    browser.findElement(By.id("login-button")).click();
    waiting(10)
        .until(
            ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-node='c2-n1']")));
    assertThat(text(By.id("nodes"))).contains("c1-n1", "c2-n1");
    assertThat(text(By.id("clusters"))).contains("c1", "c2", "local");
    waiting(10).until(d -> d.findElement(By.id("live")).getAttribute("class").contains("on"));

    String job = runJob("sh", "-c", "echo from the console test; sleep 3");
    By row = By.cssSelector("tr[data-job='" + job + "']");
    waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(row, "RUNNING"));
    screenshot("running");
    assertThat(text(row)).contains("sh -c", "admin");

    waiting(30).until(ExpectedConditions.textToBePresentInElementLocated(row, "EXITED"));
    screenshot("finished");

    waiting(10)
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(
            d -> {
              d.findElement(By.linkText("c1")).click();
              return true;
            });
    waiting(10)
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("cluster-policy"), "Accepts guests"));
    screenshot("cluster");
    // Detach c1 from its page and watch it finish; then attach it again.
    waiting(10).until(ExpectedConditions.elementToBeClickable(By.id("detach"))).click();
    waiting(60)
        .until(
            ExpectedConditions.textToBePresentInElementLocated(By.id("cluster-facts"), "DETACHED"));
    screenshot("detached");
    assertThat(gridctl.ok("cluster", "list")).containsPattern("c1\\s.*DETACHED");
    waiting(10).until(ExpectedConditions.elementToBeClickable(By.id("attach"))).click();
    waiting(60)
        .until(
            d ->
                d.findElement(By.id("cluster-facts")).getText().contains("ATTACHED")
                    && !d.findElement(By.id("cluster-facts")).getText().contains("DETACH"));
    assertThat(browser.findElement(By.id("detach")).isDisplayed()).isTrue();

    // An owner of c1 logs in: the admin's job on c1 shows, but without its command line.
    Gridctl.Result created =
        gridctl.run(
            "token",
            "create",
            "lab-c1",
            "--role",
            "owner",
            "--principal",
            "local",
            "--cluster",
            "c1");
    assertThat(created.exitCode()).as(created.toString()).isZero();
    browser.findElement(By.id("logout")).click();
    waiting(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    assertThat(browser.findElements(row)).isEmpty();
    browser.findElement(By.id("token")).clear();
    browser.findElement(By.id("token")).sendKeys(created.out().trim());
    browser.findElement(By.id("login-button")).click();
    try {
      waiting(10).until(ExpectedConditions.visibilityOfElementLocated(row));
    } catch (RuntimeException e) {
      screenshot("owner-failed");
      // The job runs on c1-n1, so the owner of c1 must see it (redacted).
      throw new AssertionError(
          "the owner's console did not show " + job + "; page: " + text(By.tagName("main")), e);
    }
    assertThat(text(row)).contains("EXITED", "(hidden)").doesNotContain("console test", "admin");
    screenshot("owner");
  }

  @Test
  void anOwnerTokenFromGridctlManagesItsClusterAndNoOther() {
    Gridctl.Result created =
        gridctl.run(
            "token",
            "create",
            "lab-a",
            "--role",
            "owner",
            "--principal",
            "local",
            "--cluster",
            "c1");
    assertThat(created.exitCode()).as(created.toString()).isZero();
    String owner = created.out().trim();
    assertThat(gridctl.ok("token", "list")).contains("lab-a", "owner", "local", "c1");
    assertThat(gridctl.ok("token", "list")).doesNotContain(owner);

    Gridctl.Result mine =
        gridctl.run(
            "cluster",
            "policy",
            "c1",
            "--accept-guests",
            "--max-guests",
            "3",
            "--priority",
            "c2=70",
            "--token",
            owner);
    assertThat(mine.exitCode()).as(mine.toString()).isZero();
    assertThat(gridctl.ok("cluster", "show", "c1"))
        .contains("\"maxGuests\" : 3", "\"priority\" : 70");

    Gridctl.Result other =
        gridctl.run("cluster", "policy", "c2", "--no-accept-guests", "--token", owner);
    assertThat(other.exitCode()).isEqualTo(1);
    assertThat(other.err()).contains("limited to clusters [c1]");
    assertThat(gridctl.run("token", "list", "--token", owner).err()).contains("only a grid admin");
    Gridctl.Result bad =
        gridctl.run("cluster", "policy", "c1", "--no-accept-guests", "--max-guests", "5");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.err()).contains("maxGuests must be 0 when acceptGuests is false");
    assertThat(gridctl.ok("cluster", "list")).contains("up to 3");

    assertThat(gridctl.run("token", "revoke", "lab-a").exitCode()).isZero();
    Gridctl.Result revoked = gridctl.run("cluster", "list", "--token", owner);
    assertThat(revoked.exitCode()).isEqualTo(1);
    assertThat(revoked.err()).contains("unknown or revoked token");
  }
}
