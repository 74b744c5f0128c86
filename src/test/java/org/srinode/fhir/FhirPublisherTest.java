package org.srinode.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.quality.Assessment;
import org.srinode.tls.TestKeys;

/** Publishing to a real HAPI FHIR server (the sandbox class in Jetty): content, idempotence, merging, R5, validation. */
class FhirPublisherTest {
    static final String STUDY = "1.2.826.0.1.3680043.8.498.1";
    static final String SOURCE = "1.2.826.0.1.3680043.8.498.1.2";
    static final String DERIVED = "2.25.123456789";
    static final String SYSTEM = "http://hospital.example/mrn";
    static FhirServer r4;

    @BeforeAll
    static void start() throws Exception {
        r4 = FhirServer.start(FhirVersion.R4);
    }

    @AfterAll
    static void stop() throws Exception {
        r4.close();
    }

    static Publication publication(String patientId, String studyUid, String outcome, double consistency) {
        Assessment.Measured m = new Assessment.Measured(5, 128, 128, 2.0, 6.0, 6.0, 0.5, 6);
        Assessment a = new Assessment(
                Assessment.VERSION,
                true,
                null,
                "TRUE",
                true,
                true,
                true,
                true,
                m,
                List.of(new Assessment.Gap(2, 1, List.of(18.0))),
                List.of(),
                List.of(),
                List.of(4),
                List.of(new Assessment.Region(1, 20, 30, 16, 12, "ZERO_FILLED")),
                List.of(3),
                2,
                List.of("SR_X2", "INPAINT"),
                List.of("low field 0.5 T"));
        List<Publication.Instance> src = IntStream.rangeClosed(1, 5)
                .mapToObj(i -> new Publication.Instance(SOURCE + "." + i, "1.2.840.10008.5.1.4.1.1.4", i))
                .toList();
        List<Publication.Instance> der = IntStream.rangeClosed(1, 5)
                .mapToObj(i -> new Publication.Instance(DERIVED + i, "1.2.840.10008.5.1.4.1.1.4", i))
                .toList();
        return new Publication(
                new Publication.Patient(patientId, "", "DOE^JANE", "19700101", "F"),
                new Publication.Study(studyUid, "20261126", "101500", "MR head", "ACC42"),
                new Publication.Series(SOURCE, 3, "MR", "T1 axial", src),
                new Publication.Series(DERIVED, 1000, "MR", "T1 axial AI-ENHANCED", der),
                new Publication.Model("sri-default-x2", "0.1.0", "sri-node project", "sri-node 0.1.0"),
                a,
                consistency,
                0.15,
                outcome,
                Instant.parse("2026-11-26T10:20:00Z"),
                List.of());
    }

    /** The source series of {@code p} after a sixth instance arrived late (its next generation). */
    static Publication.Series sourceWithALateInstance(Publication p) {
        List<Publication.Instance> more = new java.util.ArrayList<>(p.source().instances());
        more.add(new Publication.Instance(SOURCE + ".6", "1.2.840.10008.5.1.4.1.1.4", 6));
        return new Publication.Series(SOURCE, 3, "MR", "T1 axial", more);
    }

    static FhirPublisher publisher(FhirServer server, FhirVersion v) {
        return new FhirPublisher(server.baseUrl(), v, SYSTEM, true, 10_000);
    }

    static List<IBaseResource> search(FhirServer s, String type, String param, String value) {
        return s.store().search(type, java.util.Map.of(param, new String[] {value}));
    }

    @Test
    void oneTransactionCarriesStudyProvenanceDeviceAndFindings() {
        String study = STUDY + ".10";
        FhirPublisher.Published done =
                publisher(r4, FhirVersion.R4).publish(publication("P10", study, "ENHANCED", 0.05));

        List<IBaseResource> studies = search(r4, "ImagingStudy", "identifier", "urn:dicom:uid|urn:oid:" + study);
        assertThat(studies).hasSize(1);
        ImagingStudy is = (ImagingStudy) studies.get(0);
        String studyRef = "ImagingStudy/" + is.getIdElement().getIdPart();
        assertThat(done.imagingStudy()).isEqualTo(studyRef);
        assertThat(is.getSeries())
                .extracting(ImagingStudy.ImagingStudySeriesComponent::getUid)
                .containsExactly(SOURCE, DERIVED);
        assertThat(is.getSeries().get(1).getNumber()).isEqualTo(1000);
        assertThat(is.getSeries().get(1).getInstance()).hasSize(5);
        assertThat(is.getSeries().get(1).getInstance().get(0).getSopClass().getCode())
                .isEqualTo("urn:oid:1.2.840.10008.5.1.4.1.1.4");
        assertThat(is.getNumberOfInstances()).isEqualTo(10);
        String patientRef = is.getSubject().getReference();
        assertThat(patientRef).startsWith("Patient/");
        assertThat(search(r4, "Patient", "identifier", SYSTEM + "|P10")).hasSize(1);

        List<IBaseResource> provs = search(r4, "Provenance", "target", studyRef);
        assertThat(provs).hasSize(1);
        Provenance prov = (Provenance) provs.get(0);
        assertThat(prov.getAgentFirstRep().getWho().getReference()).startsWith("Device/");
        assertThat(r4.store()
                        .read(
                                "Device",
                                prov.getAgentFirstRep()
                                        .getWho()
                                        .getReferenceElement()
                                        .getIdPart()))
                .isPresent();
        assertThat(prov.getEntityFirstRep().getWhat().getIdentifier().getValue())
                .isEqualTo("urn:oid:" + SOURCE);

        List<IBaseResource> obs = search(r4, "Observation", "derived-from", studyRef);
        assertThat(obs)
                .extracting(o -> ((Observation) o).getCode().getCodingFirstRep().getCode())
                .containsExactlyInAnyOrder(
                        "low-field", "low-resolution", "incomplete-series", "corrupted-regions", "data-consistency");
        assertThat(obs)
                .allSatisfy(o -> assertThat(((Observation) o).getSubject().getReference())
                        .isEqualTo(patientRef));
        Observation field = (Observation) obs.stream()
                .filter(o -> ((Observation) o)
                        .getCode()
                        .getCodingFirstRep()
                        .getCode()
                        .equals("low-field"))
                .findFirst()
                .orElseThrow();
        assertThat(field.getValueQuantity().getValue().doubleValue()).isEqualTo(0.5);

        // and the server returns them on a search over HTTP
        IGenericClient client = FhirVersion.R4.context().newRestfulGenericClient(r4.baseUrl());
        org.hl7.fhir.r4.model.Bundle found = client.search()
                .forResource(Observation.class)
                .where(Observation.DERIVED_FROM.hasId(studyRef))
                .returnBundle(org.hl7.fhir.r4.model.Bundle.class)
                .execute();
        assertThat(found.getEntry()).hasSize(5);
    }

    @Test
    void publishingTwiceChangesNothingButVersions() {
        String study = STUDY + ".11";
        FhirPublisher p = publisher(r4, FhirVersion.R4);
        p.publish(publication("P11", study, "ENHANCED", 0.05));
        p.publish(publication("P11", study, "ENHANCED", 0.05));
        List<IBaseResource> studies = search(r4, "ImagingStudy", "identifier", "urn:dicom:uid|urn:oid:" + study);
        assertThat(studies).hasSize(1);
        String ref = "ImagingStudy/" + studies.get(0).getIdElement().getIdPart();
        assertThat(studies.get(0).getMeta().getVersionId()).isEqualTo("2");
        assertThat(((ImagingStudy) studies.get(0)).getSeries()).hasSize(2);
        assertThat(search(r4, "Patient", "identifier", SYSTEM + "|P11")).hasSize(1);
        assertThat(search(r4, "Provenance", "target", ref)).hasSize(1);
        assertThat(search(r4, "Observation", "derived-from", ref)).hasSize(5);
    }

    @Test
    void aLaterGenerationReplacesTheDerivedSeriesAndItsFindings() {
        String study = STUDY + ".17";
        FhirPublisher p = publisher(r4, FhirVersion.R4);
        Publication first = publication("P13", study, "ENHANCED", 0.05);
        p.publish(first);
        String later = "2.25.987654321";
        Publication.Series derived = new Publication.Series(
                later,
                1000,
                "MR",
                "T1 axial AI-ENHANCED",
                first.derived().instances().stream()
                        .map(i -> new Publication.Instance(i.uid() + ".2", i.sopClassUid(), i.number()))
                        .toList());
        Publication.Series source = sourceWithALateInstance(first);
        p.publish(new Publication(
                first.patient(),
                first.study(),
                source,
                derived,
                first.model(),
                first.assessment(),
                0.04,
                0.15,
                "ENHANCED",
                first.processedAt(),
                List.of(DERIVED)));

        ImagingStudy is = (ImagingStudy) search(r4, "ImagingStudy", "identifier", "urn:dicom:uid|urn:oid:" + study)
                .get(0);
        assertThat(is.getSeries())
                .extracting(ImagingStudy.ImagingStudySeriesComponent::getUid)
                .containsExactly(SOURCE, later);
        assertThat(is.getSeriesFirstRep().getNumberOfInstances())
                .as("the source as it is now")
                .isEqualTo(6);
        String ref = "ImagingStudy/" + is.getIdElement().getIdPart();
        List<IBaseResource> obs = search(r4, "Observation", "derived-from", ref);
        assertThat(obs)
                .as("the superseded series' findings are deleted, the current ones written once")
                .hasSize(5);
        assertThat(r4.store().read("Provenance", R4Bundle.provenanceId(DERIVED)))
                .as("the superseded series' Provenance")
                .isEmpty();
        assertThat(r4.store().read("Provenance", R4Bundle.provenanceId(later))).isPresent();
        assertThat(obs)
                .allSatisfy(o -> assertThat(o.getIdElement().getIdPart())
                        .isEqualTo(R4Bundle.id(
                                "obs",
                                SOURCE + "|" + later + "|"
                                        + ((Observation) o)
                                                .getCode()
                                                .getCodingFirstRep()
                                                .getCode())));
    }

    @Test
    void aWithdrawalTakesTheSeriesOutOfTheStudyAndDeletesItsFindingsAndProvenance() {
        String study = STUDY + ".18";
        FhirPublisher p = publisher(r4, FhirVersion.R4);
        Publication first = publication("P18", study, "ENHANCED", 0.05);
        p.publish(first);
        String ref = "ImagingStudy/"
                + search(r4, "ImagingStudy", "identifier", "urn:dicom:uid|urn:oid:" + study)
                        .get(0)
                        .getIdElement()
                        .getIdPart();
        assertThat(search(r4, "Observation", "derived-from", ref)).isNotEmpty();
        Publication w = Publication.withdrawal(
                first.patient(), first.study(), sourceWithALateInstance(first), first.processedAt(), List.of(DERIVED));
        assertThat(Validation.errors(FhirVersion.R4, p.bundle(w, null))).isEmpty();
        p.publish(w);
        ImagingStudy is = (ImagingStudy) search(r4, "ImagingStudy", "identifier", "urn:dicom:uid|urn:oid:" + study)
                .get(0);
        assertThat(is.getSeries())
                .extracting(ImagingStudy.ImagingStudySeriesComponent::getUid)
                .containsExactly(SOURCE);
        assertThat(is.getSeriesFirstRep().getNumberOfInstances()).isEqualTo(6);
        assertThat(is.getNumberOfSeries()).isEqualTo(1);
        assertThat(search(r4, "Observation", "derived-from", ref)).isEmpty();
        assertThat(r4.store().read("Provenance", R4Bundle.provenanceId(DERIVED)))
                .isEmpty();
        p.publish(w); // a retry changes nothing
        assertThat(search(r4, "ImagingStudy", "identifier", "urn:dicom:uid|urn:oid:" + study))
                .hasSize(1);
    }

    @Test
    void seriesTheServerAlreadyListsAreKept() {
        String study = STUDY + ".12";
        ImagingStudy pre = new ImagingStudy();
        pre.addIdentifier().setSystem(R4Bundle.DICOM_UID_SYSTEM).setValue("urn:oid:" + study);
        pre.setStatus(ImagingStudy.ImagingStudyStatus.AVAILABLE);
        pre.setSubject(new Reference("Patient/from-the-ehr"));
        pre.addSeries()
                .setUid("1.2.3.99")
                .setModality(new Coding(R4Bundle.DCM, "CT", null))
                .setNumberOfInstances(0);
        IGenericClient client = FhirVersion.R4.context().newRestfulGenericClient(r4.baseUrl());
        String id = client.create().resource(pre).execute().getId().getIdPart();

        publisher(r4, FhirVersion.R4).publish(publication("P12", study, "ENHANCED", 0.05));
        ImagingStudy after = (ImagingStudy) r4.store().read("ImagingStudy", id).orElseThrow();
        assertThat(after.getSeries())
                .extracting(ImagingStudy.ImagingStudySeriesComponent::getUid)
                .containsExactly("1.2.3.99", SOURCE, DERIVED);
        assertThat(after.getSubject().getReference()).isEqualTo("Patient/from-the-ehr");
        assertThat(search(r4, "ImagingStudy", "identifier", "urn:dicom:uid|urn:oid:" + study))
                .hasSize(1);
    }

    @Test
    void aHeldSeriesIsNotListedOnlyItsFindingsAre() {
        String study = STUDY + ".13";
        publisher(r4, FhirVersion.R4).publish(publication("P13", study, "HELD", 0.4));
        ImagingStudy is = (ImagingStudy) search(r4, "ImagingStudy", "identifier", "urn:dicom:uid|urn:oid:" + study)
                .get(0);
        String ref = "ImagingStudy/" + is.getIdElement().getIdPart();
        assertThat(is.getSeries())
                .extracting(ImagingStudy.ImagingStudySeriesComponent::getUid)
                .containsExactly(SOURCE);
        assertThat(search(r4, "Provenance", "target", ref)).isEmpty();
        Observation dc = search(r4, "Observation", "derived-from", ref).stream()
                .map(o -> (Observation) o)
                .filter(o -> o.getCode().getCodingFirstRep().getCode().equals("data-consistency"))
                .findFirst()
                .orElseThrow();
        assertThat(dc.getInterpretationFirstRep().getCodingFirstRep().getCode()).isEqualTo("H");
        assertThat(dc.getNoteFirstRep().getText()).contains("held");
    }

    @Test
    void r5IsSpokenWhenConfigured() throws Exception {
        try (FhirServer r5 = FhirServer.start(FhirVersion.R5)) {
            String study = STUDY + ".14";
            FhirPublisher p = publisher(r5, FhirVersion.R5);
            p.publish(publication("P14", study, "ENHANCED", 0.05));
            p.publish(publication("P14", study, "ENHANCED", 0.05));
            List<IBaseResource> studies = search(r5, "ImagingStudy", "identifier", "urn:dicom:uid|urn:oid:" + study);
            assertThat(studies).hasSize(1);
            org.hl7.fhir.r5.model.ImagingStudy is = (org.hl7.fhir.r5.model.ImagingStudy) studies.get(0);
            assertThat(is.getSeries()).hasSize(2);
            assertThat(is.getSeries().get(1).getModality().getCodingFirstRep().getCode())
                    .isEqualTo("MR");
            assertThat(search(
                            r5,
                            "Provenance",
                            "target",
                            "ImagingStudy/" + is.getIdElement().getIdPart()))
                    .hasSize(1);
        }
    }

    @Test
    void bundlesValidateAndBrokenResourcesDoNot() {
        FhirPublisher p = publisher(r4, FhirVersion.R4);
        assertThat(Validation.errors(
                        FhirVersion.R4, p.bundle(publication("P15", STUDY + ".15", "ENHANCED", 0.2), null)))
                .isEmpty();
        assertThat(Validation.errors(
                        FhirVersion.R5,
                        new FhirPublisher(r4.baseUrl(), FhirVersion.R5, SYSTEM, true, 1000)
                                .bundle(publication("P15", STUDY + ".15", "FLAGGED", 0.2), null)))
                .isEmpty();
        Observation broken = new Observation(); // status and code are required
        broken.addDerivedFrom(new Reference("ImagingStudy/1"));
        assertThat(Validation.errors(FhirVersion.R4, broken)).isNotEmpty();
    }

    @Test
    void anUnreachableServerIsAnErrorNotASilentSuccess() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        FhirPublisher p = new FhirPublisher("http://127.0.0.1:" + port + "/fhir", FhirVersion.R4, SYSTEM, false, 2000);
        assertThatThrownBy(() -> p.publish(publication("P16", STUDY + ".16", "ENHANCED", 0.05)))
                .hasMessageContaining("127.0.0.1:" + port);
    }

    /**
     * A server that answers with a status line and headers at once and then one byte of body every 200 ms: every
     * single read finishes well within the per-request timeout (1 s), so only the publication timeout can end it.
     * Before it, this publication (and the publish route behind it) waited for the whole 100,000-byte body: hours.
     */
    @Test
    void aServerThatTricklesItsAnswerCannotHoldAPublication() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread trickler = new Thread(
                    () -> {
                        while (!server.isClosed()) {
                            try (java.net.Socket s = server.accept()) {
                                java.io.InputStream in = s.getInputStream();
                                int matched = 0;
                                byte[] end = "\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                                while (matched < end.length) {
                                    int b = in.read();
                                    if (b < 0) {
                                        break;
                                    }
                                    matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
                                }
                                java.io.OutputStream out = s.getOutputStream();
                                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
                                                + "Content-Length: 100000\r\n\r\n")
                                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                                out.flush();
                                for (int i = 0; i < 100_000; i++) {
                                    out.write(' ');
                                    out.flush();
                                    Thread.sleep(200);
                                }
                            } catch (java.io.IOException e) {
                                // the client aborted: take the next connection
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "trickling-fhir-server");
            trickler.setDaemon(true);
            trickler.start();
            FhirPublisher p = new FhirPublisher(
                            "http://127.0.0.1:" + server.getLocalPort() + "/fhir", FhirVersion.R4, SYSTEM, false, 1000)
                    .publicationTimeout(java.time.Duration.ofSeconds(3));
            long t0 = System.nanoTime();
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    java.time.Duration.ofSeconds(60),
                    () -> assertThatThrownBy(() -> p.publish(publication("P17", STUDY + ".17", "ENHANCED", 0.05)))
                            .isInstanceOf(FhirPublisher.PublicationTimeoutException.class)
                            .hasMessageContaining("within 3000 ms")
                            .hasMessageContaining("127.0.0.1:" + server.getLocalPort()));
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(2900L, 30_000L);
            assertThatThrownBy(() -> p.publicationTimeout(java.time.Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @TempDir
    Path tls;

    @Test
    void anEhrThatRequiresAClientCertificateGetsTheNodesAndOnlyATrustedServerIsBelieved() throws Exception {
        KeyStore server = TestKeys.keyPair(tls, "ehr", "CN=ehr", "ip:127.0.0.1");
        KeyStore node = TestKeys.keyPair(tls, "sri-node", "CN=sri-node", "dns:sri-node.hospital.test");
        KeyStore stranger = TestKeys.keyPair(tls, "stranger", "CN=stranger", "dns:stranger.test");
        Path[] serverPem = TestKeys.pem(server, tls, "ehr");
        Path[] nodePem = TestKeys.pem(node, tls, "node");
        Path[] strangerPem = TestKeys.pem(stranger, tls, "stranger");
        try (FhirServer ehr = FhirServer.startHttps(FhirVersion.R4, server, TestKeys.trusting(node))) {
            FhirPublisher withCertificate = new FhirPublisher(
                    ehr.baseUrl(),
                    FhirVersion.R4,
                    SYSTEM,
                    false,
                    5000,
                    org.srinode.tls.TlsProfile.sslContext(nodePem[0], nodePem[1], serverPem[0]));
            assertThat(withCertificate
                            .publish(publication("P17", STUDY + ".17", "ENHANCED", 0.05))
                            .imagingStudy())
                    .startsWith("ImagingStudy/");
            assertThat(search(ehr, "Patient", "identifier", SYSTEM + "|P17")).hasSize(1);
            // no client certificate, or one the server does not trust: the handshake fails, nothing is written
            for (javax.net.ssl.SSLContext refused : List.of(
                    org.srinode.tls.TlsProfile.sslContext(null, null, serverPem[0]),
                    org.srinode.tls.TlsProfile.sslContext(strangerPem[0], strangerPem[1], serverPem[0]))) {
                FhirPublisher p = new FhirPublisher(ehr.baseUrl(), FhirVersion.R4, SYSTEM, false, 5000, refused);
                assertThatThrownBy(() -> p.publish(publication("P18", STUDY + ".18", "ENHANCED", 0.05)))
                        .hasMessageContaining(ehr.baseUrl());
            }
            // a server certificate the node does not trust: refused before anything is sent
            FhirPublisher untrusting = new FhirPublisher(
                    ehr.baseUrl(),
                    FhirVersion.R4,
                    SYSTEM,
                    false,
                    5000,
                    org.srinode.tls.TlsProfile.sslContext(nodePem[0], nodePem[1], strangerPem[0]));
            assertThatThrownBy(() -> untrusting.publish(publication("P19", STUDY + ".19", "ENHANCED", 0.05)))
                    .hasStackTraceContaining("PKIX");
            assertThat(search(ehr, "Patient", "identifier", SYSTEM + "|P18")).isEmpty();
            assertThat(search(ehr, "Patient", "identifier", SYSTEM + "|P19")).isEmpty();
        }
    }
}
