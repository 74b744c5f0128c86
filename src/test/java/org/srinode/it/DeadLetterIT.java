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
        Orthanc nobody = new Orthanc(tmp.resolve("nobody"));   // never started
        try (Node node = new Node(tmp.resolve("node")).forwardingTo(nobody).with("SRI_FORWARD_MAX_ATTEMPTS", "2")
                .with("SRI_FORWARD_INITIAL_BACKOFF", "500ms").start()) {
            Path series = SharedData.twentyInstanceSeries();
            assertThat(new Dcmtk(tmp).store("MODALITY", node.dicomPort, series).exitCode()).isZero();
            Path deadLetters = node.dataDir.resolve("dead-letter");
            // under load the series may complete early and re-open: the last generation holds it whole
            Path dir = await().atMost(Duration.ofSeconds(90)).until(() -> wholeSeriesDeadLettered(deadLetters), p -> p != null);
            assertThat(Files.readString(dir.resolve("REASON.txt"))).contains("attempts: 2").contains("C-STORE to ORTHANC");
            try (Stream<Path> s = Files.walk(node.dataDir.resolve("spool"))) {
                assertThat(s.filter(p -> p.toString().endsWith(".dcm")).count()).as("spool keeps the originals").isEqualTo(20);
            }
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
