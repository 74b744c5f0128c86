package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A destination that never answers: after the last attempt the series is in the dead-letter folder with the reason. */
class DeadLetterIT {
    @Test
    void undeliverableSeriesIsDeadLetteredWithItsReasonAndStaysInTheSpool() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        Orthanc nobody = new Orthanc(tmp.resolve("nobody")); // never started
        try (Node node = new Node(tmp.resolve("node"))
                .forwardingTo(nobody)
                .with("SRI_FORWARD_MAX_ATTEMPTS", "2")
                .with("SRI_FORWARD_INITIAL_BACKOFF", "500ms")
                .start()) {
            Path series = SharedData.twentyInstanceSeries();
            assertThat(new Dcmtk(tmp).store("MODALITY", node.dicomPort, series).exitCode())
                    .isZero();
            Path deadLetters = node.dataDir.resolve("dead-letter");
            // under load the series may complete early and re-open: the last generation holds it whole
            Path dir = await().atMost(Duration.ofSeconds(90))
                    .until(() -> wholeSeriesDeadLettered(deadLetters), p -> p != null);
            assertThat(Files.readString(dir.resolve("REASON.txt")))
                    .contains("attempts: 2")
                    .contains("C-STORE to ORTHANC");
            try (Stream<Path> s = Files.walk(node.dataDir.resolve("spool"))) {
                assertThat(s.filter(p -> p.toString().endsWith(".dcm")).count())
                        .as("spool keeps the originals")
                        .isEqualTo(20);
            }
            // the PACS is back: an operator requeues the DEAD job (issue 12) and the series arrives
            long job = Long.parseLong(dir.getFileName().toString().replaceFirst(".*-job", ""));
            String operator = Http.basic("otto", "operator-password-0001");
            assertThat(Http.sendAs(
                                    "PUT",
                                    node.url("/api/users/otto"),
                                    "{\"role\":\"operator\",\"password\":\"operator-password-0001\"}",
                                    Http.basic("admin", Node.ADMIN_PASSWORD))
                            .statusCode())
                    .isEqualTo(201);
            assertThat(Http.sendAs(
                                    "PUT",
                                    node.url("/api/users/vera"),
                                    "{\"role\":\"viewer\",\"password\":\"viewer-password-0001\"}",
                                    Http.basic("admin", Node.ADMIN_PASSWORD))
                            .statusCode())
                    .isEqualTo(201);
            assertThat(Http.sendAs(
                                    "POST",
                                    node.url("/api/jobs/" + job + "/requeue"),
                                    null,
                                    Http.basic("vera", "viewer-password-0001"))
                            .statusCode())
                    .as("a viewer may not")
                    .isEqualTo(403);
            nobody.start();
            var requeued = Http.sendAs("POST", node.url("/api/jobs/" + job + "/requeue"), null, operator);
            assertThat(requeued.statusCode()).as(requeued.body()).isEqualTo(200);
            assertThat(requeued.body()).contains("\"state\":\"PENDING\"").contains("requeued by otto");
            await().atMost(Duration.ofSeconds(60)).until(() -> nobody.instanceCount() == 20);
            var again = Http.sendAs("POST", node.url("/api/jobs/" + job + "/requeue"), null, operator);
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(again.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(Http.sendAs("POST", node.url("/api/jobs/999999/requeue"), null, operator)
                            .statusCode())
                    .isEqualTo(404);
            assertThat(Files.readString(node.dataDir.resolve("audit/atna.log")))
                    .contains("110132")
                    .contains("requeued DEAD job " + job);
        } finally {
            nobody.close();
        }
    }

    private static Path wholeSeriesDeadLettered(Path deadLetters) throws Exception {
        if (!Files.isDirectory(deadLetters)) {
            return null;
        }
        try (Stream<Path> dirs = Files.list(deadLetters)) {
            for (Path d : dirs.toList()) {
                if (Files.exists(d.resolve("REASON.txt"))) {
                    try (Stream<Path> s = Files.list(d)) {
                        if (s.filter(p -> p.toString().endsWith(".dcm")).count() == 20) {
                            return d;
                        }
                    }
                }
            }
        }
        return null;
    }
}
