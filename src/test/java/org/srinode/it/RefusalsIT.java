package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the node refuses, and that it keeps serving afterwards. Outcomes are read as data: the A-ASSOCIATE-RJ's fields
 * and the C-STORE response's Status and Error Comment from an independent SCU ({@link JsScu}), exit codes and the
 * failed count of PixelMed's SCU ({@link RawScu}), and the node's spool, never a peer's console text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefusalsIT {
    Path tmp;
    Node node;
    Dcmtk dcmtk;
    JsScu scu;

    @BeforeAll
    void start() throws Exception {
        tmp = WorkDir.fresh(getClass());
        node = new Node(tmp.resolve("node"))
                .with("SRI_DICOM_ALLOWED_CALLING_AE_TITLES", "MODALITY,RAWSCU")
                .start();
        dcmtk = new Dcmtk(tmp);
        scu = new JsScu(tmp);
    }

    @AfterAll
    void stop() throws Exception {
        node.close();
    }

    @Test
    void callingAeOutsideTheAllowListIsRejected() throws Exception {
        JsScu.Outcome stranger = scu.echo("STRANGER", node.dicomPort);
        // PS3.8 table 9-21: rejected-permanent (1), by the service user (1), calling AE title not recognized (3)
        assertThat(stranger.association()).isEqualTo("rejected");
        assertThat(new int[] {stranger.result(), stranger.source(), stranger.reason()})
                .containsExactly(1, 1, 3);
        assertThat(dcmtk.echo("STRANGER", node.dicomPort).exitCode()).isNotZero();
        JsScu.Outcome known = scu.echo("MODALITY", node.dicomPort);
        assertThat(known.association()).isEqualTo("accepted");
        assertThat(known.status()).isZero();
        assertThat(dcmtk.echo("MODALITY", node.dicomPort).exitCode()).isZero();
    }

    @Test
    void malformedFilesNeverGetSuccessAndTheNodeKeepsServing() throws Exception {
        Path files = SharedData.dicom("debian-python3-pydicom-test_files");
        // dcmtk refuses to send the first three itself; whatever reaches the node must not be kept
        for (String name : new String[] {"MR_truncated.dcm", "no_meta.dcm", "no_meta_group_length.dcm", "badVR.dcm"}) {
            dcmtk.store("MODALITY", node.dicomPort, files.resolve(name));
            assertThat(spooled()).as("spooled after " + name).isZero();
            assertThat(dcmtk.echo("MODALITY", node.dicomPort).exitCode())
                    .as("echo after " + name)
                    .isZero();
        }
        // badVR sent as it is (Number of Frames "1A"): a failed C-STORE, nothing kept
        int[] counts = RawScu.send(node.dicomPort, files.resolve("badVR.dcm"));
        assertThat(counts[1]).as("failed C-STORE responses").isEqualTo(1);
        assertThat(spooled()).isZero();
    }

    @Test
    void truncatedDataOnTheWireGetsCannotUnderstand() throws Exception {
        int[] counts =
                RawScu.send(node.dicomPort, SharedData.dicom("debian-python3-pydicom-test_files/MR_truncated.dcm"));
        assertThat(counts[1]).as("failed C-STORE responses").isEqualTo(1);
        assertThat(spooled()).isZero();
        assertThat(dcmtk.echo("MODALITY", node.dicomPort).exitCode()).isZero();
    }

    @Test
    void missingSeriesUidGetsCannotUnderstandWithAComment() throws Exception {
        Path copy = tmp.resolve("no-series.dcm");
        Files.copy(SharedData.dicom("debian-python3-pydicom-test_files/MR_small.dcm"), copy);
        assertThat(Proc.run(tmp.resolve("dcmodify.log"), "dcmodify", "-nb", "-e", "(0020,000e)", copy.toString())
                        .exitCode())
                .isZero();
        JsScu.Outcome store = scu.store("MODALITY", node.dicomPort, copy);
        assertThat(store.association()).isEqualTo("accepted");
        assertThat(store.status()).as("Status").isEqualTo(0xC000);
        assertThat(store.errorComment()).as("Error Comment").contains("missing Series Instance UID");
        assertThat(spooled()).isZero();
    }

    private long spooled() throws Exception {
        Path spool = node.dataDir.resolve("spool");
        try (Stream<Path> s = Files.walk(spool)) {
            return s.filter(p -> p.toString().endsWith(".dcm")).count();
        }
    }
}
