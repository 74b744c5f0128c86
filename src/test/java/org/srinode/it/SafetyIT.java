package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** An enhancement above the data-consistency limit is held: written, not sent to the PACS. */
class SafetyIT {
    @Test
    void inconsistentEnhancementIsHeldNotForwarded() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        try (Orthanc orthanc = new Orthanc(tmp.resolve("orthanc")).start();
                Node node = new Node(tmp.resolve("node"))
                        .forwardingTo(orthanc)
                        .with("SRI_SAFETY_MAX_INCONSISTENCY", "0.0")
                        .start()) {
            Path folder = SharedData.dicom("github-neurolabusc-dcm_qa_nih/20180918Si/mr_0003");
            List<Path> dcm = SharedData.dcmFiles(folder);
            assertThat(new Dcmtk(tmp)
                            .store("MODALITY", node.dicomPort, dcm.toArray(Path[]::new))
                            .exitCode())
                    .isZero();
            String series = Part10Peek.seriesInstanceUid(Files.readAllBytes(dcm.get(0)));
            JsonNode v = await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () -> node.series(series),
                            n -> n != null
                                    && n.at("/series/outcome").isTextual()
                                    && !n.at("/derivedSeries").isEmpty());
            assertThat(v.at("/series/outcome").asText()).isEqualTo("HELD");
            assertThat(v.at("/series/consistency").asDouble()).isPositive();
            await().atMost(Duration.ofSeconds(30)).until(() -> orthanc.instanceCount() == 2); // the originals only
            // the held derived series is not sent: it has no delivery queued (a released one gets its FORWARD job)
            assertThat(v.at("/derivedSeries")).isNotEmpty();
            for (JsonNode d : v.at("/derivedSeries")) {
                JsonNode held = Http.json(node.url("/api/series/" + d.asText()));
                assertThat(held.at("/jobs"))
                        .as("jobs of the held derived series %s", d.asText())
                        .noneMatch(j -> j.at("/kind").asText().equals("FORWARD"));
            }
            assertThat(orthanc.instanceCount()).isEqualTo(2);
            try (Stream<Path> s = Files.walk(node.dataDir.resolve("derived"))) {
                assertThat(s.filter(p -> p.toString().endsWith(".dcm")).count())
                        .as("but it is kept")
                        .isEqualTo(2);
            }
        }
    }
}
