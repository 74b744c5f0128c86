package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Nothing lost, nothing duplicated: a PACS that is down, and a node killed with kill -9. */
class ResilienceIT {

    @Test
    void orthancDownThenBackGetsTheSeriesOnceAfterRetries() throws Exception {
        Path tmp = WorkDir.fresh(getClass()).resolve("down");
        Orthanc orthanc = new Orthanc(tmp.resolve("orthanc")); // ports reserved, not started yet
        try (Node node = new Node(tmp.resolve("node"))
                .forwardingTo(orthanc)
                .with("SRI_FORWARD_INITIAL_BACKOFF", "1s")
                .with("SRI_FORWARD_MAX_BACKOFF", "2s")
                .with("SRI_FORWARD_MAX_ATTEMPTS", "50")
                .start()) {
            Proc store = new Dcmtk(tmp).store("MODALITY", node.dicomPort, SharedData.twentyInstanceSeries());
            assertThat(store.exitCode()).as(store.output()).isZero();
            String series = seriesUid();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> forwardJob(node, series).path("attempts").asInt() >= 2);
            assertThat(forwardJob(node, series).path("lastError").asText()).contains("C-STORE to ORTHANC");
            orthanc.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> allDone(node, series));
            assertThat(orthanc.instanceCount()).isEqualTo(20);
        } finally {
            orthanc.close();
        }
    }

    @Test
    void killNineAfterAcknowledgingThenRestartDeliversTheSeriesExactlyOnce() throws Exception {
        Path tmp = WorkDir.fresh(getClass()).resolve("kill9");
        try (Orthanc orthanc = new Orthanc(tmp.resolve("orthanc")).start()) {
            try (Node node = new Node(tmp.resolve("node"))
                    .forwardingTo(orthanc)
                    .with("SRI_SERIES_IDLE_TIMEOUT", "60s")
                    .start()) { // closed whatever fails, restarted or not
                Proc store = new Dcmtk(tmp).store("MODALITY", node.dicomPort, SharedData.twentyInstanceSeries());
                assertThat(store.exitCode()).as(store.output()).isZero();
                assertThat(Http.json(node.url("/api/series/" + seriesUid()))
                                .path("series")
                                .path("instances")
                                .asInt())
                        .as("instances the node acknowledged and registered")
                        .isEqualTo(20);
                node.killHard(); // acknowledged, not yet complete, not forwarded
                assertThat(orthanc.instanceCount()).isZero();
                node.with("SRI_SERIES_IDLE_TIMEOUT", "2s").start();
                String series = seriesUid();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> "DONE"
                                .equals(forwardJob(node, series).path("state").asText()));
                assertThat(orthanc.instanceCount()).isEqualTo(20);
                assertThat(forwardJobs(node, series)).hasSize(1);
                try (Stream<Path> s = Files.walk(node.dataDir.resolve("spool"))) {
                    assertThat(s.filter(p -> p.toString().endsWith(".dcm")).count())
                            .isEqualTo(20);
                }
            }
        }
    }

    @Test
    void killNineDuringAnEnhancementThenRestartCompletesItExactlyOnce() throws Exception {
        Path tmp = WorkDir.fresh(getClass()).resolve("kill9-enhancing");
        try (Orthanc orthanc = new Orthanc(tmp.resolve("orthanc")).start()) {
            try (Node node = new Node(tmp.resolve("node"))
                    .forwardingTo(orthanc)
                    .start()) { // closed whatever fails, restarted or not
                org.srinode.cli.Demo.Simulated sim = org.srinode.cli.Demo.simulate(
                        org.srinode.volume.Nifti.read(SharedData.colin27()), tmp.resolve("acquired"));
                int n = sim.kept().size();
                Proc store = new Dcmtk(tmp)
                        .store(
                                "MODALITY",
                                node.dicomPort,
                                SharedData.dcmFiles(sim.folder()).toArray(Path[]::new));
                assertThat(store.exitCode()).as(store.output()).isZero();
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> "RUNNING"
                                .equals(job(node, sim.seriesUid(), "ENHANCE")
                                        .path("state")
                                        .asText()));
                node.killHard(); // in the middle of the enhancement
                node.start();
                await().atMost(Duration.ofSeconds(180))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> "DONE"
                                .equals(job(node, sim.seriesUid(), "ENHANCE")
                                        .path("state")
                                        .asText()));
                JsonNode v = Http.json(node.url("/api/series/" + sim.seriesUid()));
                assertThat(v.path("derivedSeries"))
                        .as("the enhanced series and its Segmentation")
                        .hasSize(2);
                String derived = v.path("derivedSeries").path(0).asText();
                int filled = org.srinode.cli.Demo.MISSING.length;
                await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(derived) == n + filled);
                await().atMost(Duration.ofSeconds(30)).until(() -> orthanc.instanceCount() >= 2 * n + filled + 1);
                assertThat(orthanc.instanceCount())
                        .as("the original, the derived series and its Segmentation, once each")
                        .isEqualTo(2 * n + filled + 1);
                try (Stream<Path> s = Files.walk(node.dataDir.resolve("derived"))) {
                    assertThat(s.filter(p -> p.toString().endsWith(".dcm")).count())
                            .isEqualTo(n + filled + 1);
                }
            }
        }
    }

    private static JsonNode job(Node node, String series, String kind) throws Exception {
        for (JsonNode j : node.series(series).path("jobs")) {
            if (kind.equals(j.path("kind").asText())) {
                return j;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /**
     * Delivered: the forward of the series' latest generation is DONE, and every earlier one DONE too or cancelled
     * because the series was re-opened while it was being sent (the later generation's forward sends it whole; on a
     * loaded machine the series can complete between two instances of one store).
     */
    private static boolean allDone(Node node, String series) throws Exception {
        List<JsonNode> jobs = forwardJobs(node, series);
        int latest =
                jobs.stream().mapToInt(j -> j.path("generation").asInt()).max().orElse(0);
        return !jobs.isEmpty()
                && jobs.stream()
                        .allMatch(j -> "DONE".equals(j.path("state").asText())
                                || j.path("generation").asInt() < latest
                                        && "CANCELLED".equals(j.path("state").asText())
                                        && j.path("lastError").asText().contains("re-opened"));
    }

    private static String seriesUid() throws Exception {
        Path first;
        try (Stream<Path> s = Files.list(SharedData.twentyInstanceSeries())) {
            first = s.sorted().findFirst().orElseThrow();
        }
        return Part10Peek.seriesInstanceUid(Files.readAllBytes(first));
    }

    private static List<JsonNode> forwardJobs(Node node, String series) throws Exception {
        List<JsonNode> jobs = new ArrayList<>();
        for (JsonNode j : node.series(series).path("jobs")) {
            if ("FORWARD".equals(j.path("kind").asText())) {
                jobs.add(j);
            }
        }
        return jobs;
    }

    private static JsonNode forwardJob(Node node, String series) throws Exception {
        List<JsonNode> jobs = forwardJobs(node, series);
        return jobs.isEmpty()
                ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                : jobs.get(jobs.size() - 1);
    }
}
