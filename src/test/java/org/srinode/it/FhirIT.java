package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.srinode.fhir.FhirServer;
import org.srinode.fhir.FhirVersion;

/**
 * FHIR publishing by the running node: the FHIR server is down when the series arrives (the derived
 * series still reaches Orthanc, the PUBLISH job shows its failures), then comes up and receives the
 * ImagingStudy, Provenance, Device and Observations once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FhirIT {
    Path tmp;
    Orthanc orthanc;
    Node node;
    Dcmtk dcmtk;
    FhirServer fhir;
    int fhirPort;

    @BeforeAll
    void start() throws Exception {
        tmp = WorkDir.fresh(getClass());
        orthanc = new Orthanc(tmp.resolve("orthanc")).start();
        fhirPort = Ports.free();
        node = new Node(tmp.resolve("node"))
                .forwardingTo(orthanc)
                .with("SRI_FHIR_SERVER_URL", "http://127.0.0.1:" + fhirPort + "/fhir")
                .with("SRI_FHIR_SANDBOX", "true")
                .with("SRI_FHIR_INITIAL_BACKOFF", "1s")
                .with("SRI_FHIR_MAX_BACKOFF", "2s")
                .with("SRI_FHIR_MAX_ATTEMPTS", "1000")
                .start();
        dcmtk = new Dcmtk(tmp);
    }

    @AfterAll
    void stop() throws Exception {
        WorkDir.closeAll(node, orthanc, fhir);
    }

    @Test
    void aFhirOutageDelaysTheAnnotationsNeverTheImages() throws Exception {
        Path folder = SharedData.dicom("github-neurolabusc-dcm_qa_nih/20180918Si/mr_0003");
        List<Path> dcm = SharedData.dcmFiles(folder);
        Proc store = dcmtk.store("MODALITY", node.dicomPort, dcm.toArray(Path[]::new));
        assertThat(store.exitCode()).as(store.output()).isZero();
        String series = Part10Peek.seriesInstanceUid(Files.readAllBytes(dcm.get(0)));
        String study = Part10Peek.studyInstanceUid(Files.readAllBytes(dcm.get(0)));
        String derived = DefaultModel.derivedUid(series, "series", 4); // 216x216 at 3 mm: the x4 model

        // FHIR is down: the derived series reaches the PACS anyway, and the failure is visible
        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> orthanc.seriesInstances(derived) == dcm.size());
        JsonNode publish = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> publishJob(derived),
                        j -> j != null && j.path("attempts").asInt() >= 2);
        assertThat(publish.path("state").asText()).isEqualTo("PENDING");
        assertThat(publish.path("lastError").asText()).contains(Integer.toString(fhirPort));

        // FHIR comes up: the next retry publishes, once
        fhir = FhirServer.start(FhirVersion.R4, fhirPort);
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> "DONE".equals(publishJob(derived).path("state").asText()));
        List<IBaseResource> studies = fhir.store()
                .search("ImagingStudy", Map.of("identifier", new String[] {"urn:dicom:uid|urn:oid:" + study}));
        assertThat(studies).hasSize(1);
        ImagingStudy is = (ImagingStudy) studies.get(0);
        String ref = "ImagingStudy/" + is.getIdElement().getIdPart();
        assertThat(is.getSeries())
                .extracting(ImagingStudy.ImagingStudySeriesComponent::getUid)
                .containsExactly(series, derived);
        assertThat(is.getSeries().get(1).getInstance()).hasSize(dcm.size());
        assertThat(is.getSeries().get(1).getDescription()).contains("AI-enhanced");
        List<IBaseResource> prov = fhir.store().search("Provenance", Map.of("target", new String[] {ref}));
        assertThat(prov).hasSize(1);
        assertThat(((Provenance) prov.get(0))
                        .getEntityFirstRep()
                        .getWhat()
                        .getIdentifier()
                        .getValue())
                .isEqualTo("urn:oid:" + series);
        assertThat(fhir.store().search("Device", Map.of())).hasSize(1);
        List<IBaseResource> obs = fhir.store().search("Observation", Map.of("derived-from", new String[] {ref}));
        assertThat(obs)
                .extracting(o -> ((Observation) o).getCode().getCodingFirstRep().getCode())
                .contains("low-resolution", "data-consistency");
        JsonNode view = Http.json(node.url("/api/series/" + derived));
        assertThat(view.at("/series/fhirRef").asText()).isEqualTo(ref);
        assertThat(view.at("/series/derivedFrom").asText()).isEqualTo(series);

        // the node's own sandbox answers too (the demo's FHIR server), to a signed-in user only
        assertThat(Http.status(node.url("/fhir/metadata"))).isEqualTo(200);
        assertThat(Http.statusAs(node.url("/fhir/Patient"), null)).isEqualTo(401);
    }

    private JsonNode publishJob(String derivedUid) throws Exception {
        for (JsonNode j : node.series(derivedUid).path("jobs")) {
            if (j.path("kind").asText().equals("PUBLISH")) {
                return j;
            }
        }
        return null;
    }
}
