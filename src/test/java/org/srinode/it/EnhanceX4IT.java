package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.srinode.cli.Demo;
import org.srinode.dicom.Dciodvfy;

/**
 * A series acquired at 4 mm (64x64) is enhanced by the x4 model (issue 15): the assessment recommends x4, the derived
 * series has 4 times the rows and columns at a quarter of the pixel spacing, names the x4 model, is dciodvfy-clean and
 * reaches Orthanc next to the original.
 */
class EnhanceX4IT {
    @Test
    void aSeriesThatNeedsX4IsEnhancedByTheX4Model() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        try (Orthanc orthanc = new Orthanc(tmp.resolve("orthanc")).start();
                Node node = new Node(tmp.resolve("node"))
                        .forwardingTo(orthanc)
                        .with("SRI_FHIR_ENABLED", "false")
                        .start()) {
            Demo.Simulated sim = Demo.simulate(
                    org.srinode.volume.Nifti.read(SharedData.colin27()),
                    tmp.resolve("acquired"),
                    "T1 axial low field 4 mm (simulated)",
                    44,
                    null,
                    4);
            List<Path> files = SharedData.dcmFiles(sim.folder());
            Proc store = new Dcmtk(tmp).store("MODALITY", node.dicomPort, files.toArray(Path[]::new));
            assertThat(store.exitCode()).as(store.output()).isZero();
            JsonNode v = await().atMost(Duration.ofSeconds(300))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(
                            () -> node.series(sim.seriesUid()),
                            // the outcome is recorded just before the derived series are registered
                            x -> x != null
                                    && x.at("/series/outcome").isTextual()
                                    && !x.at("/derivedSeries").isEmpty());
            assertThat(v.at("/assessment/recommendedScale").asInt()).isEqualTo(4);
            assertThat(v.at("/series/outcome").asText()).isEqualTo("ENHANCED");
            String derived = v.path("derivedSeries").path(0).asText();
            JsonNode d = Http.json(node.url("/api/series/" + derived));
            assertThat(d.at("/series/model").asText()).startsWith("sri-default-x4");
            int expected = sim.kept().size() + Demo.MISSING.length;
            await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(derived) == expected);
            assertThat(orthanc.seriesInstances(sim.seriesUid()))
                    .isEqualTo(sim.kept().size());
            String id = orthanc.instancesOfSeries(derived).get(0);
            JsonNode tags = Http.json(orthanc.url("/instances/" + id + "/simplified-tags"));
            assertThat(tags.path("Rows").asInt()).isEqualTo(256);
            assertThat(tags.path("Columns").asInt()).isEqualTo(256);
            assertThat(tags.path("PixelSpacing").asText()).isEqualTo("1\\1");
            assertThat(tags.path("DerivationDescription").asText())
                    .contains("super-resolution x4")
                    .doesNotContain("was recommended");
            Path file = tmp.resolve("derived.dcm");
            Files.write(file, orthanc.file(id));
            Dciodvfy.assertClean(file);
            assertThat(Http.json(node.url("/api/node")).path("model").asText()).contains("(x4: sri-default-x4");
        }
    }
}
