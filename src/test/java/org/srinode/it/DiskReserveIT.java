package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Below the free-space reserve the node answers 0xA700 and writes nothing. */
class DiskReserveIT {
    @Test
    void storeIsRefusedWithOutOfResourcesWhenBelowTheReserve() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        long freeMb = Files.getFileStore(tmp).getUsableSpace() >> 20;
        try (Node node = new Node(tmp.resolve("node"))
                .with("SRI_SPOOL_RESERVE_MB", Long.toString(freeMb + 1024))
                .start()) {
            JsScu.Outcome store = new JsScu(tmp)
                    .store(
                            "MODALITY",
                            node.dicomPort,
                            SharedData.dicom("debian-python3-pydicom-test_files/MR_small.dcm"));
            assertThat(store.status()).as("Status: Refused, Out of Resources").isEqualTo(0xA700);
            try (Stream<Path> s = Files.walk(node.dataDir.resolve("spool"))) {
                assertThat(s.filter(Files::isRegularFile).count()).isZero();
            }
            assertThat(new Dcmtk(tmp).echo("MODALITY", node.dicomPort).exitCode())
                    .isZero();
        }
    }
}
