package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.srinode.cli.Demo;

/**
 * Issue 13, item 5 (operational traps), against a real node process and Orthanc: a first start on an
 * empty data folder logs no error (the tables exist before any timer runs); with no model, a series the
 * rules would enhance is not queued for enhancement (the decision and the outcome say why) while its
 * originals are still forwarded; once the node runs again with a model, that series is enhanced.
 */
class OperationsIT {
    @Test
    void withoutAModelNothingWaitsInTheQueueAndTheSeriesIsEnhancedOnceAModelIsLoaded() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        Path data = tmp.resolve("node");
        Demo.Simulated sim =
                Demo.simulate(org.srinode.volume.Nifti.read(SharedData.colin27()), tmp.resolve("acquired"));
        try (Orthanc orthanc = new Orthanc(tmp.resolve("orthanc")).start()) {
            try (Node node = new Node(data)
                    .forwardingTo(orthanc)
                    .with("SRI_ENHANCE_ENABLED", "false")
                    .with("SRI_FHIR_ENABLED", "false")
                    .start()) {
                Proc store = new Dcmtk(tmp)
                        .store(
                                "MODALITY",
                                node.dicomPort,
                                SharedData.dcmFiles(sim.folder()).toArray(Path[]::new));
                assertThat(store.exitCode()).as(store.output()).isZero();
                JsonNode v = await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(500))
                        .until(
                                () -> {
                                    JsonNode s = node.series(sim.seriesUid());
                                    return s.at("/series/decision").isTextual() ? s : null;
                                },
                                s -> s != null);
                assertThat(v.at("/series/decision").asText()).isEqualTo("ENHANCE_WAITING_FOR_MODEL");
                assertThat(v.at("/series/outcome").asText()).isEqualTo("NO_MODEL");
                assertThat(v.at("/series/outcomeReason").asText()).contains("sri.enhance.enabled=false");
                assertThat(v.path("jobs").findValuesAsText("kind")).doesNotContain("ENHANCE");
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> orthanc.seriesInstances(sim.seriesUid())
                                == sim.kept().size());
                String metrics = new String(Http.bytes(node.url("/q/metrics")));
                assertThat(metrics).doesNotContain("sri_jobs{kind=\"ENHANCE\",state=\"PENDING\"} 1.0");
                // the first start on an empty folder: no timer ran into missing tables
                List<String> errors = node.log()
                        .lines()
                        .filter(l -> l.contains(" ERROR ") || l.contains("not found (this database is empty)"))
                        .toList();
                assertThat(errors).isEmpty();
            }
            try (Node node = new Node(data)
                    .forwardingTo(orthanc)
                    .with("SRI_FHIR_ENABLED", "false")
                    .start()) {
                JsonNode v = await().atMost(Duration.ofSeconds(240))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(
                                () -> {
                                    JsonNode s = Http.json(node.url("/api/series/" + sim.seriesUid()));
                                    return s.path("derivedSeries").isEmpty() ? null : s;
                                },
                                s -> s != null);
                assertThat(v.at("/series/decision").asText()).isEqualTo("ENHANCE");
                assertThat(v.path("jobs").findValuesAsText("kind")).contains("ENHANCE");
                String derived = v.path("derivedSeries").path(0).asText();
                await().atMost(Duration.ofSeconds(60))
                        .until(() ->
                                orthanc.seriesInstances(derived) == sim.kept().size() + Demo.MISSING.length);
            }
        }
    }

    @Test
    void aMistypedSettingStopsTheNodeAtStartUpWithTheAllowedValues() throws Exception {
        Path tmp = WorkDir.fresh(getClass()).resolve("typo");
        try (Node node = new Node(tmp).with("SRI_SAFETY_ON_EXCEED", "FLAGG").with("SRI_ENHANCE_ENABLED", "false")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(node::start)
                    .hasMessageContaining("did not become ready");
            assertThat(node.log()).contains("FLAGG").contains("allowed values: flag,hold");
        }
    }
}
