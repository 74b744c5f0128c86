package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.srinode.cli.Demo;
import org.srinode.db.Postgres;

/**
 * Issue 14, the cluster on PostgreSQL, with real processes on loopback: one PostgreSQL, two nodes with every role and one
 * enhance-only worker sharing its database and one spool/derived folder, Orthanc as the PACS. One series arrives half at
 * each ingest node, a second one at the second node; the node that runs an enhancement is killed with kill -9 in the
 * middle of it; another node claims the job once its lease has expired and finishes it. Orthanc then holds every original
 * and every derived instance exactly once, and both web nodes show the same state.
 */
class ClusterIT {
    @Test
    void twoIngestNodesAndAnEnhanceWorkerOnOnePostgresLoseNothingWhenTheEnhancingNodeIsKilled() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        Path shared = tmp.resolve("shared");
        org.srinode.volume.Volume colin = org.srinode.volume.Nifti.read(SharedData.colin27());
        Demo.Simulated one = Demo.simulate(colin, tmp.resolve("one"), "cluster one", 11);
        Demo.Simulated two = Demo.simulate(colin, tmp.resolve("two"), "cluster two", 12);
        try (Postgres pg = Postgres.start();
                Orthanc orthanc = new Orthanc(tmp.resolve("orthanc")).start();
                Node a = clustered(new Node(tmp.resolve("a")), "node-a", pg, shared, orthanc)
                        .start();
                Node b = clustered(new Node(tmp.resolve("b")), "node-b", pg, shared, orthanc)
                        .start();
                Node w = clustered(new Node(tmp.resolve("w")), "node-w", pg, shared, orthanc)
                        .with("SRI_NODE_ROLES", "enhance")
                        .start()) {
            assertThat(Http.status(w.url("/api/series")))
                    .as("the worker serves no API")
                    .isEqualTo(404);
            HttpResponse<String> noApi = Http.sendAs("GET", w.url("/api/series"), null, null);
            assertThat(noApi.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(noApi.body()).contains("\"status\":404").contains("SRI_NODE_ROLES");
            List<Path> files = SharedData.dcmFiles(one.folder());
            List<Path> first = files.subList(0, files.size() / 2);
            List<Path> second = files.subList(files.size() / 2, files.size());
            Proc toA = new Dcmtk(tmp).store("MODALITY", a.dicomPort, first.toArray(Path[]::new));
            assertThat(toA.exitCode()).as(toA.output()).isZero();
            Proc toB = new Dcmtk(tmp).store("MODALITY", b.dicomPort, second.toArray(Path[]::new));
            assertThat(toB.exitCode()).as(toB.output()).isZero();
            Proc twoToB = new Dcmtk(tmp)
                    .store(
                            "MODALITY",
                            b.dicomPort,
                            SharedData.dcmFiles(two.folder()).toArray(Path[]::new));
            assertThat(twoToB.exitCode()).as(twoToB.output()).isZero();

            // the node that runs the first enhancement dies in the middle of it
            JsonNode running = await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> {
                                for (Demo.Simulated s : List.of(one, two)) {
                                    JsonNode j = job(a, s.seriesUid(), "ENHANCE");
                                    if ("RUNNING".equals(j.path("state").asText())) {
                                        return j;
                                    }
                                }
                                return null;
                            },
                            j -> j != null);
            String victim = running.path("claimedBy").asText();
            Map<String, Node> nodes = Map.of("node-a", a, "node-b", b, "node-w", w);
            assertThat(nodes).as("claimed by one of the three nodes").containsKey(victim);
            nodes.get(victim).killHard();
            Node web = victim.equals("node-a") ? b : a;

            for (Demo.Simulated s : List.of(one, two)) {
                await().atMost(Duration.ofSeconds(300))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> "DONE"
                                .equals(job(web, s.seriesUid(), "ENHANCE")
                                        .path("state")
                                        .asText()));
            }
            long enhancedAgain = 0;
            for (Demo.Simulated s : List.of(one, two)) {
                JsonNode j = job(web, s.seriesUid(), "ENHANCE");
                if (j.path("id").asLong() == running.path("id").asLong()) {
                    enhancedAgain++;
                    assertThat(j.path("claimedBy").asText())
                            .as("finished by another node")
                            .isNotEqualTo(victim);
                    assertThat(j.path("attempts").asInt())
                            .as("the expired lease counts as an attempt")
                            .isGreaterThanOrEqualTo(1);
                    assertThat(j.path("lastError").asText()).contains("lease of " + victim + " expired");
                }
            }
            assertThat(enhancedAgain).isEqualTo(1);

            int filled = Demo.MISSING.length;
            int expected = 0;
            List<String> delivered = new ArrayList<>();
            for (Demo.Simulated s : List.of(one, two)) {
                int n = s.kept().size();
                JsonNode v = Http.json(web.url("/api/series/" + s.seriesUid()));
                assertThat(v.at("/series/instances").asInt())
                        .as("one series, whichever node received its instances")
                        .isEqualTo(n);
                assertThat(v.path("derivedSeries"))
                        .as("the enhanced series and its Segmentation, once")
                        .hasSize(2);
                String derived = v.path("derivedSeries").path(0).asText();
                delivered.add(s.seriesUid());
                v.path("derivedSeries").forEach(d -> delivered.add(d.asText()));
                await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(s.seriesUid()) == n);
                await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(derived) == n + filled);
                expected += 2 * n + filled + 1;
            }
            int total = expected;
            await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.instanceCount() >= total);
            // no delivery is left to run (none pending or running) before the PACS is counted
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (String uid : delivered) {
                    for (JsonNode j : Http.json(web.url("/api/series/" + uid)).path("jobs")) {
                        String state = j.path("state").asText();
                        if (j.path("kind").asText().equals("FORWARD")
                                && (state.equals("PENDING") || state.equals("RUNNING"))) {
                            return false;
                        }
                    }
                }
                return true;
            });
            assertThat(orthanc.instanceCount())
                    .as("every original, derived series and Segmentation exactly once")
                    .isEqualTo(total);

            // the killed node starts again; both web nodes then show the same state
            if (!victim.equals("node-w")) {
                nodes.get(victim).start();
            }
            for (Demo.Simulated s : List.of(one, two)) {
                JsonNode va = Http.json(a.url("/api/series/" + s.seriesUid()));
                JsonNode vb = Http.json(b.url("/api/series/" + s.seriesUid()));
                assertThat(va.path("series")).isEqualTo(vb.path("series"));
                assertThat(va.path("jobs")).isEqualTo(vb.path("jobs"));
                assertThat(va.path("derivedSeries")).isEqualTo(vb.path("derivedSeries"));
            }
        }
    }

    private static Node clustered(Node node, String id, Postgres pg, Path shared, Orthanc orthanc) {
        return node.forwardingTo(orthanc)
                .with("SRI_NODE_ID", id)
                .with("SRI_DB_URL", pg.jdbcUrl())
                .with("SRI_DB_USER", pg.user())
                .with("SRI_SPOOL_DIRECTORY", shared.resolve("spool").toString())
                .with("SRI_DERIVED_DIRECTORY", shared.resolve("derived").toString())
                .with("SRI_JOBS_LEASE", "6s")
                .with("SRI_FHIR_ENABLED", "false")
                .with("SRI_SERIES_IDLE_TIMEOUT", "4s");
    }

    private static JsonNode job(Node node, String series, String kind) throws Exception {
        List<JsonNode> jobs = new ArrayList<>();
        for (JsonNode j : node.series(series).path("jobs")) {
            if (kind.equals(j.path("kind").asText())) {
                jobs.add(j);
            }
        }
        return jobs.isEmpty()
                ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                : jobs.get(jobs.size() - 1);
    }
}
