package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What the node refuses, and that it keeps serving afterwards. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefusalsIT {
    Path tmp;
    Node node;
    Dcmtk dcmtk;

    @BeforeAll
    void start() throws Exception {
        tmp = WorkDir.fresh(getClass());
        node = new Node(tmp.resolve("node"))
                .with("SRI_DICOM_ALLOWED_CALLING_AE_TITLES", "MODALITY,RAWSCU")
                .start();
        dcmtk = new Dcmtk(tmp);
    }

    @AfterAll
    void stop() throws Exception {
        node.close();
    }

    @Test
    void callingAeOutsideTheAllowListIsRejected() throws Exception {
        Proc stranger = dcmtk.echo("STRANGER", node.dicomPort);
        assertThat(stranger.exitCode()).isNotZero();
        assertThat(stranger.output()).contains("Association Rejected").contains("Calling AE Title Not Recognized");
        assertThat(dcmtk.echo("MODALITY", node.dicomPort).exitCode()).isZero();
    }

    @Test
    void malformedFilesNeverGetSuccessAndTheNodeKeepsServing() throws Exception {
        Path files = SharedData.dicom("debian-python3-pydicom-test_files");
        for (String name : new String[] {"MR_truncated.dcm", "no_meta.dcm", "no_meta_group_length.dcm", "badVR.dcm"}) {
            Proc store = dcmtk.store("MODALITY", node.dicomPort, files.resolve(name));
            assertThat(store.output()).as(name).doesNotContain("Received Store Response (Success)");
            assertThat(dcmtk.echo("MODALITY", node.dicomPort).exitCode())
                    .as("echo after " + name)
                    .isZero();
        }
        // badVR reaches the node (dcmtk sends it): Number of Frames "1A" -> 0xC000
        Proc badVr = dcmtk.store("MODALITY", node.dicomPort, files.resolve("badVR.dcm"));
        assertThat(badVr.output()).contains("Received Store Response (Error: CannotUnderstand)");
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
        Proc store = Proc.run(
                tmp.resolve("storescu-noseries.log"),
                "storescu",
                "-d",
                "-aet",
                "MODALITY",
                "-aec",
                "SRI_NODE",
                "127.0.0.1",
                Integer.toString(node.dicomPort),
                copy.toString());
        assertThat(store.output()).containsIgnoringCase("0xc000").contains("missing Series Instance UID");
        assertThat(spooled()).isZero();
    }

    private long spooled() throws Exception {
        Path spool = node.dataDir.resolve("spool");
        try (Stream<Path> s = Files.walk(spool)) {
            return s.filter(p -> p.toString().endsWith(".dcm")).count();
        }
    }
}
