package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.srinode.cli.Demo;
import org.srinode.dicom.Dciodvfy;
import org.srinode.fhir.FhirServer;
import org.srinode.fhir.FhirVersion;

/**
 * The main job end to end with real peers: a degraded real brain MRI (Colin27) sent by storescu,
 * assessed, enhanced, stored in Orthanc next to the original, annotated on a HAPI FHIR server, and
 * shown on the node's web page in headless Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndIT {
    Path tmp;
    Orthanc orthanc;
    Node node;
    FhirServer fhir;
    Demo.Simulated sim;

    @BeforeAll
    void start() throws Exception {
        tmp = WorkDir.fresh(getClass());
        orthanc = new Orthanc(tmp.resolve("orthanc")).start();
        fhir = FhirServer.start(FhirVersion.R4);
        node = new Node(tmp.resolve("node"))
                .forwardingTo(orthanc)
                .with("SRI_FHIR_SERVER_URL", fhir.baseUrl())
                .start();
        sim = Demo.simulate(org.srinode.volume.Nifti.read(SharedData.colin27()), tmp.resolve("acquired"));
        List<Path> files = SharedData.dcmFiles(sim.folder());
        Proc store = new Dcmtk(tmp).store("MODALITY", node.dicomPort, files.toArray(Path[]::new));
        assertThat(store.exitCode()).as(store.output()).isZero();
    }

    @AfterAll
    void stop() throws Exception {
        WorkDir.closeAll(node, orthanc, fhir);
    }

    private JsonNode finished() {
        return await().atMost(Duration.ofSeconds(240))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> {
                            JsonNode v = node.series(sim.seriesUid());
                            if (v.path("derivedSeries").isEmpty()) {
                                return null;
                            }
                            JsonNode d = Http.json(node.url("/api/series/"
                                    + v.path("derivedSeries").path(0).asText()));
                            return d.at("/series/fhirRef").isTextual() ? v : null;
                        },
                        v -> v != null);
    }

    @Test
    void theDegradedSeriesIsAssessedEnhancedStoredAndAnnotated() throws Exception {
        JsonNode v = finished();
        int sent = sim.kept().size();
        // what the node found: the simulated defects, where they are
        assertThat(v.at("/assessment/lowField").asText()).isEqualTo("TRUE");
        assertThat(v.at("/assessment/lowResolution").asBoolean()).isTrue();
        assertThat(v.at("/assessment/missingSlices/0/count").asInt()).isEqualTo(2);
        JsonNode region = v.at("/assessment/corruptedRegions/0");
        assertThat(region.path("slice").asInt()).isEqualTo(sim.kept().indexOf(Demo.HOLE_SLICE));
        assertThat(region.path("x").asInt()).isEqualTo(sim.hole()[0]);
        assertThat(region.path("width").asInt()).isEqualTo(sim.hole()[2]);
        assertThat(v.at("/series/outcome").asText()).isEqualTo("ENHANCED");

        // Orthanc: the original and the derived series with the two missing slices filled, every derived file
        // dciodvfy-clean
        String derived = v.path("derivedSeries").path(0).asText();
        int filled = Demo.MISSING.length;
        await().atMost(Duration.ofSeconds(60))
                .until(() -> orthanc.seriesInstances(derived) == sent + filled
                        && orthanc.seriesInstances(sim.seriesUid()) == sent);
        List<Double> positions = new java.util.ArrayList<>();
        for (String id : orthanc.instancesOfSeries(derived)) {
            Path file = tmp.resolve("derived-" + id + ".dcm");
            Files.write(file, orthanc.file(id));
            Dciodvfy.assertClean(file);
            positions.add(org.srinode.dicom.SeriesFiles.header(file).position()[2]);
        }
        // the Segmentation of what the model made up (the rectangle, the two filled slices) reaches Orthanc too,
        // dciodvfy-clean
        assertThat(v.path("derivedSeries")).hasSize(2);
        String seg = v.path("derivedSeries").path(1).asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(seg) == 1);
        Path segFile = tmp.resolve("seg.dcm");
        Files.write(segFile, orthanc.file(orthanc.instancesOfSeries(seg).get(0)));
        Dciodvfy.assertClean(segFile);
        assertThat(Http.json(orthanc.url(
                                "/instances/" + orthanc.instancesOfSeries(seg).get(0) + "/simplified-tags"))
                        .path("NumberOfFrames")
                        .asInt())
                .isEqualTo(1 + filled);
        // the filled slices sit where the missing ones were: the derived series has the full, regular stack
        positions.sort(null);
        for (int i = 1; i < positions.size(); i++) {
            assertThat(positions.get(i) - positions.get(i - 1))
                    .as("slice step")
                    .isCloseTo(3.0, org.assertj.core.api.Assertions.within(1e-3));
        }

        // FHIR: the study with both series, the Provenance, the findings
        List<IBaseResource> studies = fhir.store().search("ImagingStudy", Map.of());
        assertThat(studies).hasSize(1);
        ImagingStudy is = (ImagingStudy) studies.get(0);
        assertThat(is.getSeries())
                .extracting(ImagingStudy.ImagingStudySeriesComponent::getUid)
                .containsExactly(sim.seriesUid(), derived);
        String ref = "ImagingStudy/" + is.getIdElement().getIdPart();
        assertThat(fhir.store().search("Provenance", Map.of("target", new String[] {ref})))
                .hasSize(1);
        assertThat(fhir.store().search("Observation", Map.of("derived-from", new String[] {ref})))
                .extracting(o -> ((Observation) o).getCode().getCodingFirstRep().getCode())
                .containsExactlyInAnyOrder(
                        "low-field", "low-resolution", "incomplete-series", "corrupted-regions", "data-consistency");

        // stage timings are recorded and shown
        assertThat(v.path("stageMillis").fieldNames()).toIterable().contains("ASSESS", "ENHANCE", "FORWARD", "PUBLISH");
        String metrics = new String(Http.bytes(node.url("/q/metrics")));
        assertThat(metrics)
                .contains("sri_enhancement_duration_seconds_count 1.0")
                .contains("sri_jobs{kind=\"PUBLISH\",state=\"DONE\"} 1.0");
    }

    @Test
    void aSeriesOutsideTheModelsScopeIsForwardedNotEnhancedWithTheReason() throws Exception {
        Demo.Simulated dwi = Demo.simulate(
                org.srinode.volume.Nifti.read(SharedData.colin27()),
                tmp.resolve("dwi"),
                "ep2d_diff b1000 trace (simulated)",
                7);
        Proc store = new Dcmtk(tmp)
                .store(
                        "MODALITY",
                        node.dicomPort,
                        SharedData.dcmFiles(dwi.folder()).toArray(Path[]::new));
        assertThat(store.exitCode()).as(store.output()).isZero();
        JsonNode v = await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> node.series(dwi.seriesUid()),
                        x -> x != null && x.at("/series/outcome").isTextual());
        assertThat(v.at("/series/decision").asText()).isEqualTo("ENHANCE");
        assertThat(v.at("/series/outcome").asText()).isEqualTo("OUT_OF_SCOPE");
        assertThat(v.at("/series/outcomeReason").asText()).contains("DWI");
        assertThat(v.path("derivedSeries")).isEmpty();
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        orthanc.seriesInstances(dwi.seriesUid()) == dwi.kept().size());
    }

    @Test
    void theWebPageListsTheSeriesWithItsBeforeAndAfterPictureOnALaptopAndAPhone() throws Exception {
        finished();
        // signed in as the test admin: the node answers 401 to every page and API request without a login
        ChromeDriver browser = Browser.signedIn(Http.basic("admin", Node.ADMIN_PASSWORD));
        try {
            for (Dimension size : List.of(new Dimension(1280, 900), new Dimension(390, 844))) {
                browser.manage().window().setSize(size);
                browser.get(node.url("/"));
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                WebElement card = wait.until(
                        b -> b.findElements(By.cssSelector("article[data-series='" + sim.seriesUid() + "']")).stream()
                                .findFirst()
                                .orElse(null));
                assertThat(card.getText())
                        .contains("ENHANCED")
                        .contains("ENHANCE")
                        .contains("PUBLISH")
                        .contains("data consistency");
                WebElement img = card.findElement(By.cssSelector("img.preview"));
                JavascriptExecutor js = browser;
                Long width = wait.until(b -> {
                    Object w = js.executeScript(
                            "const i = arguments[0]; i.scrollIntoView(); return i.complete ? i.naturalWidth : 0;", img);
                    return w instanceof Long n && n > 0 ? n : null;
                });
                assertThat(width)
                        .as("before/after picture: two 256-pixel panels")
                        .isGreaterThan(500);
                Long overflow =
                        (Long) js.executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
                assertThat(overflow).as("no horizontal scrolling at %s", size).isLessThanOrEqualTo(0);
            }
        } finally {
            browser.quit();
        }
    }
}
