package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import io.roam.manager.zk.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
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
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real headless Chromium against a real local grid: log in with the admin
 * token, see the nodes, run a job through the API and watch it appear and finish in the jobs table
 * (live, through the event stream); move guests onto c1 (as root: real CRIU), detach c1 from its
 * page and watch each guest's progress reach done. Screenshots go to target/console-*.png.
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
    int port = LoopbackPorts.free();
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
    return runJobOn("c1-n1", command);
  }

  private String runJobOn(String node, String... command) throws Exception {
    HttpResponse<String> r =
        call(
            "POST",
            "/api/v1/jobs",
            Json.encodeString(java.util.Map.of("command", List.of(command), "node", node)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.mapper().readTree(r.body()).get("id").asText();
  }

  /** A call of the REST API with the admin's token. */
  private HttpResponse<String> call(String method, String path, String body) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(info.get("api").asText() + path))
                .header("Authorization", "Bearer " + info.get("token").asText())
                .header("Content-Type", "application/json")
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private String nodeOf(String job) throws Exception {
    return field(job, "node");
  }

  private String field(String job, String name) throws Exception {
    return Json.mapper()
        .readTree(call("GET", "/api/v1/jobs/" + job, null).body())
        .get(name)
        .asText();
  }

  /**
   * Starts two counters on c2-n1 and moves them to c1-n1 (live migration, real CRIU): guests on c1,
   * which a detach of c1 must send home.
   */
  private List<String> guestsOnC1() throws Exception {
    List<String> guests = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      guests.add(
          runJobOn(
              "c2-n1", "sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 0.2; done"));
    }
    for (String guest : guests) {
      // Moved once it has shown it runs: its first lines are out.
      Awaitility.await()
          .atMost(Gridctl.scaled(Duration.ofSeconds(30)))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> call("GET", "/api/v1/jobs/" + guest + "/logs", null).body().contains("\n2\n"));
      HttpResponse<String> moved =
          call("POST", "/api/v1/jobs/" + guest + "/migrate", "{\"target\":\"c1-n1\"}");
      assertThat(moved.statusCode()).as(moved.body()).isEqualTo(202);
      Awaitility.await()
          .atMost(Gridctl.scaled(Duration.ofSeconds(90)))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> nodeOf(guest).equals("c1-n1"));
    }
    return guests;
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
    // The nodes' live load, as each measures it.
    waiting(30)
        .until(
            d -> text(By.cssSelector("tr[data-node='c1-n1'] td.load")).matches(".*\\d\\.\\d\\d.*"));
    // Filters: the ended job is among the EXITED ones, not among the RUNNING ones.
    new Select(browser.findElement(By.id("filter-state"))).selectByValue("RUNNING");
    waiting(10).until(ExpectedConditions.invisibilityOfElementLocated(row));
    new Select(browser.findElement(By.id("filter-state"))).selectByValue("EXITED");
    new Select(browser.findElement(By.id("filter-node"))).selectByValue("c1-n1");
    waiting(10).until(ExpectedConditions.visibilityOfElementLocated(row));
    screenshot("filtered");
    new Select(browser.findElement(By.id("filter-node"))).selectByValue("");
    new Select(browser.findElement(By.id("filter-state"))).selectByValue("");
    // Paging, newest first: ten more jobs push the first one to the second page of ten.
    for (int i = 0; i < 10; i++) {
      runJob("true");
    }
    new Select(browser.findElement(By.id("filter-size"))).selectByValue("10");
    waiting(20)
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("jobs-page"), "1 of 2"));
    waiting(10).until(ExpectedConditions.invisibilityOfElementLocated(row));
    browser.findElement(By.id("jobs-older")).click();
    waiting(10).until(ExpectedConditions.visibilityOfElementLocated(row));
    assertThat(text(By.id("jobs-page"))).isEqualTo("page 2 of 2");
    screenshot("paged");
    browser.findElement(By.id("jobs-newer")).click();
    new Select(browser.findElement(By.id("filter-size"))).selectByValue("50");
    waiting(10).until(ExpectedConditions.visibilityOfElementLocated(row));

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
    // Guests on c1 need live migration (real CRIU), which needs root.
    boolean root = "root".equals(System.getProperty("user.name"));
    List<String> guests = root || Boolean.getBoolean("roam.requireCriu") ? guestsOnC1() : List.of();
    // The cluster page lists c1's jobs: its own, and the guests on it.
    By ownRow = By.cssSelector("#jobs tr[data-job='" + job + "']");
    waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(ownRow, "at home"));
    for (String guest : guests) {
      waiting(20)
          .until(
              ExpectedConditions.textToBePresentInElementLocated(
                  By.cssSelector("#jobs tr[data-job='" + guest + "']"), "guest"));
    }
    assertThat(text(By.id("jobs-title"))).isEqualTo("Jobs of cluster c1");
    screenshot("cluster");
    // Detach c1 from its page and watch each guest's progress reach done; then attach it again.
    waiting(10).until(ExpectedConditions.elementToBeClickable(By.id("detach"))).click();
    waiting(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("operation")));
    if (!guests.isEmpty()) {
      waiting(60)
          .until(
              ExpectedConditions.presenceOfElementLocated(
                  By.cssSelector("#operation-items tr[data-job='" + guests.get(0) + "']")));
      screenshot("detaching");
    }
    try {
      for (String guest : guests) {
        waiting(180)
            .until(
                ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector(
                        "#operation-items tr[data-job='" + guest + "'][data-state='DONE']")));
      }
      waiting(60)
          .until(
              ExpectedConditions.textToBePresentInElementLocated(
                  By.id("cluster-facts"), "DETACHED"));
    } catch (RuntimeException e) {
      screenshot("detach-failed");
      throw new AssertionError("the detach did not finish; page: " + text(By.tagName("main")), e);
    }
    waiting(10)
        .until(
            ExpectedConditions.textToBePresentInElementLocated(By.id("operation-state"), "Done"));
    if (!guests.isEmpty()) {
      assertThat(text(By.id("operation-summary"))).contains("2 jobs to move: 2 done");
      assertThat(text(By.id("operation-items"))).contains("c2-n1", "done");
      for (String guest : guests) {
        // Home again, and still running: a detach kills nothing.
        assertThat(nodeOf(guest)).isEqualTo("c2-n1");
        assertThat(field(guest, "state")).isEqualTo("RUNNING");
      }
    }
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
    // The owner of c1 sees its latest operation (the attach) on its page.
    browser.get(info.get("api").asText() + "/console/#/cluster/c1");
    waiting(20)
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("operation-id"), "attach"));
    assertThat(text(By.id("operation-state"))).isEqualTo("Done");
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
