package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.srinode.cli.Demo;

/**
 * Issue 12, the web page in headless Chromium: a browser that is not signed in is sent to the login page, a wrong
 * password is refused there, the viewer signs in with the form and out again (the logout is audited); an enhancement
 * held by the data-consistency check (limit 0) is shown to the viewer without any action, an operator releases it with a
 * comment, and it then reaches Orthanc; the API refuses a viewer (403), a release without a comment (400) and
 * a second release (409); the audit trail holds both logins and the release with its comment. Then the operator
 * discards the delivered output (a rejection note reaches Orthanc, the derived series are marked DISCARDED, a second
 * discard is a 409) and has the series enhanced again (a new derived series with new UIDs, held again).
 */
class OperatorIT {
    @Test
    void aViewerSeesAHeldSeriesAnOperatorReleasesIt() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        Demo.Simulated sim = Demo.simulate(
                org.srinode.volume.Nifti.read(SharedData.colin27()),
                tmp.resolve("acquired"),
                "T1 axial held (simulated)",
                20261202,
                null);
        try (Orthanc orthanc = new Orthanc(tmp.resolve("orthanc")).start();
                Node node = new Node(tmp.resolve("node"))
                        .forwardingTo(orthanc)
                        .with("SRI_SAFETY_MAX_INCONSISTENCY", "0.0")
                        .with("SRI_FHIR_ENABLED", "false")
                        .start()) {
            String admin = Http.basic("admin", Node.ADMIN_PASSWORD);
            String viewer = Http.basic("vera", "viewer-password-0001");
            String operator = Http.basic("otto", "operator-password-0001");
            assertThat(Http.sendAs(
                                    "PUT",
                                    node.url("/api/users/vera"),
                                    "{\"role\":\"viewer\",\"password\":\"viewer-password-0001\"}",
                                    admin)
                            .statusCode())
                    .isEqualTo(201);
            assertThat(Http.sendAs(
                                    "PUT",
                                    node.url("/api/users/otto"),
                                    "{\"role\":\"operator\",\"password\":\"operator-password-0001\"}",
                                    admin)
                            .statusCode())
                    .isEqualTo(201);
            assertThat(new Dcmtk(tmp)
                            .store(
                                    "MODALITY",
                                    node.dicomPort,
                                    SharedData.dcmFiles(sim.folder()).toArray(Path[]::new))
                            .exitCode())
                    .isZero();
            JsonNode held = await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(
                            () -> node.series(sim.seriesUid()),
                            // the outcome, the derived series and the job's completion commit in one transaction
                            v -> v != null
                                    && v.at("/series/outcome").isTextual()
                                    && !v.at("/derivedSeries").isEmpty());
            assertThat(held.at("/series/outcome").asText()).isEqualTo("HELD");
            String derived = held.path("derivedSeries").path(0).asText();
            String release = node.url("/api/series/" + sim.seriesUid() + "/release");
            var refused = Http.sendAs("POST", release, "{\"comment\":\"looked fine\"}", viewer);
            assertThat(refused.statusCode()).as("a viewer may not").isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(refused.body()).contains("operator or admin");
            var noComment = Http.sendAs("POST", release, "{\"comment\":\"  \"}", operator);
            assertThat(noComment.statusCode()).isEqualTo(400);
            assertThat(noComment.body()).contains("a comment is required");

            ChromeDriver asViewer = Browser.anonymous();
            try {
                // the web page sends a browser that is not signed in to the login page; a wrong password is refused
                // there
                asViewer.get(node.url("/"));
                WebDriverWait wait = new WebDriverWait(asViewer, Duration.ofSeconds(30));
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                wait.until(b -> b.getCurrentUrl().endsWith("/login.html"));
                signIn(asViewer, "vera", "not-her-password-01");
                String error = wait.until(b -> b.findElement(By.id("error")).isDisplayed()
                        ? b.findElement(By.id("error")).getText()
                        : null);
                assertThat(error).contains("Wrong user name or password");
                signIn(asViewer, "vera", "viewer-password-0001");
                wait.until(b -> b.getCurrentUrl().equals(node.url("/")));
                By card = By.cssSelector("article[data-series='" + sim.seriesUid() + "']");
                By label = By.cssSelector("article[data-series='" + sim.seriesUid() + "'] .slices .muted");
                String cardText = wait.until(b -> b.findElement(card).getText());
                assertThat(cardText).contains("HELD");
                assertThat(asViewer.findElement(By.id("user")).getText()).isEqualTo("signed in as vera (viewer)");
                assertThat(asViewer.findElements(By.cssSelector("button[data-action], input.comment")).stream()
                                .filter(e -> e.getAttribute("data-action") == null
                                        || !e.getAttribute("data-action").matches(".*-slice|sign-out"))
                                .toList())
                        .as("a viewer gets no operator action")
                        .isEmpty();
                // both series side by side, paged slice by slice (the page keeps the slice across its redraws)
                String before = wait.until(b -> b.findElement(label).getText());
                wait.until(b -> {
                    b.findElement(By.cssSelector(
                                    "article[data-series='" + sim.seriesUid() + "'] button[data-action='next-slice']"))
                            .click();
                    return true;
                });
                String after = wait.until(b -> {
                    String t = b.findElement(label).getText();
                    return t.equals(before) ? null : t;
                });
                assertThat(before).matches("slice \\d+ of " + sim.kept().size());
                assertThat(after).matches("slice \\d+ of " + sim.kept().size());
                Long width = (Long) asViewer.executeScript("const i = document.querySelector(\"article[data-series='"
                        + sim.seriesUid() + "'] img.preview\"); return i.getBoundingClientRect().width | 0;");
                assertThat(width).as("shown at a readable size").isGreaterThan(700);
                // signing out ends the session: the page goes back to the login page, and so does the next visit
                asViewer.findElement(By.cssSelector("button[data-action='sign-out']"))
                        .click();
                wait.until(b -> b.getCurrentUrl().endsWith("/login.html"));
                asViewer.get(node.url("/"));
                wait.until(b -> b.getCurrentUrl().endsWith("/login.html"));
            } finally {
                asViewer.quit();
            }
            ChromeDriver asOperator = Browser.signedIn(operator);
            try {
                asOperator.get(node.url("/"));
                // the page redraws its cards every 5 s: every step looks its elements up again and is retried when they
                // went stale
                WebDriverWait wait = new WebDriverWait(asOperator, Duration.ofSeconds(30));
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                String card = "article[data-series='" + sim.seriesUid() + "'] ";
                wait.until(b -> !b.findElements(By.cssSelector(card + "button[data-action='release']"))
                        .isEmpty());
                assertThat(asOperator.findElement(By.id("user")).getText()).isEqualTo("signed in as otto (operator)");
                wait.until(b -> {
                    WebElement comment = b.findElement(By.cssSelector(card + "input.comment"));
                    comment.clear();
                    comment.sendKeys("checked against the acquired slices: the difference is noise");
                    b.findElement(By.cssSelector(card + "button[data-action='release']"))
                            .click();
                    return true;
                });
                wait.until(b ->
                        b.findElement(By.cssSelector(card.trim())).getText().contains("RELEASED"));
                // a released series offers the other two actions
                wait.until(b -> b.findElements(By.cssSelector(card + "button[data-action='discard']"))
                                        .size()
                                == 1
                        && b.findElements(By.cssSelector(card + "button[data-action='enhance']"))
                                        .size()
                                == 1);
            } finally {
                asOperator.quit();
            }
            JsonNode released = Http.json(node.url("/api/series/" + sim.seriesUid()));
            assertThat(released.at("/series/outcomeReason").asText())
                    .isEqualTo("released by otto: checked against the acquired slices: the difference is noise");
            int slices = sim.kept().size() + Demo.MISSING.length;
            await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(derived) == slices);
            assertThat(Http.sendAs("POST", release, "{\"comment\":\"again\"}", operator)
                            .statusCode())
                    .isEqualTo(409);
            String atna = Files.readString(node.dataDir.resolve("audit/atna.log"));
            assertThat(atna).contains("UserID=\"vera\"").contains("UserID=\"otto\"");
            assertThat(atna.lines().filter(l -> l.contains("110123") && l.contains("UserID=\"vera\"")))
                    .as("vera's sign-out")
                    .hasSize(1);
            assertThat(atna.lines()
                            .filter(l -> l.contains("110132") && l.contains("checked against the acquired slices")))
                    .hasSize(1);

            // discard the delivered output: a rejection note withdraws it from Orthanc
            String discard = node.url("/api/series/" + sim.seriesUid() + "/discard");
            assertThat(Http.sendAs("POST", discard, "{\"comment\":\"motion artefact made worse\"}", viewer)
                            .statusCode())
                    .isEqualTo(403);
            var discarded = Http.sendAs("POST", discard, "{\"comment\":\"motion artefact made worse\"}", operator);
            assertThat(discarded.statusCode()).as(discarded.body()).isEqualTo(200);
            assertThat(discarded.body()).contains(derived);
            JsonNode afterDiscard = Http.json(node.url("/api/series/" + sim.seriesUid()));
            assertThat(afterDiscard.at("/series/outcome").asText()).isEqualTo("DISCARDED");
            assertThat(Http.json(node.url("/api/series/" + derived))
                            .at("/series/supersededBy")
                            .asText())
                    .isEqualTo("DISCARDED");
            String note = null;
            for (JsonNode d : afterDiscard.path("derivedSeries")) {
                if ("KO"
                        .equals(Http.json(node.url("/api/series/" + d.asText()))
                                .at("/series/modality")
                                .asText())) {
                    note = d.asText();
                }
            }
            assertThat(note).as("a rejection note among the derived series").isNotNull();
            String noteUid = note;
            await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(noteUid) == 1);
            var again = Http.sendAs("POST", discard, "{\"comment\":\"twice\"}", operator);
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(again.body()).contains("no current derived output");

            // enhanced again: new derived UIDs (the discarded ones are never reused), held again by the limit 0
            var rerun = Http.sendAs(
                    "POST",
                    node.url("/api/series/" + sim.seriesUid() + "/enhance"),
                    "{\"comment\":\"new model installed\"}",
                    operator);
            assertThat(rerun.statusCode()).as(rerun.body()).isEqualTo(202);
            assertThat(rerun.body()).contains("\"enhanceRun\":2");
            JsonNode rerunDone = await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(
                            () -> Http.json(node.url("/api/series/" + sim.seriesUid())),
                            v -> "HELD".equals(v.at("/series/outcome").asText()));
            java.util.List<String> current = new java.util.ArrayList<>();
            for (JsonNode d : rerunDone.path("derivedSeries")) {
                JsonNode ds = Http.json(node.url("/api/series/" + d.asText())).path("series");
                if (ds.path("supersededBy").isNull()
                        && "MR".equals(ds.path("modality").asText())) {
                    current.add(d.asText());
                }
            }
            assertThat(current).hasSize(1).doesNotContain(derived);
            atna = Files.readString(node.dataDir.resolve("audit/atna.log"));
            assertThat(atna).contains("motion artefact made worse").contains("new model installed");
        }
    }

    /** Fills the login page's form and submits it. */
    private static void signIn(ChromeDriver b, String user, String password) {
        WebElement name = b.findElement(By.id("username"));
        name.clear();
        name.sendKeys(user);
        WebElement pw = b.findElement(By.id("password"));
        pw.clear();
        pw.sendKeys(password);
        b.findElement(By.cssSelector("button[data-action='sign-in']")).click();
    }
}
