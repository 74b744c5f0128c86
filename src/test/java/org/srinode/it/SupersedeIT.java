package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.SequenceItem;
import com.pixelmed.dicom.TagFromName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.srinode.cli.Demo;
import org.srinode.dicom.Dciodvfy;
import org.srinode.fhir.FhirServer;
import org.srinode.fhir.FhirVersion;

/**
 * Issue 13, item 1: a series with two missing slices is enhanced (the gaps filled, a Segmentation
 * marking what was made up); the missing slices then arrive late (generation 2), and one slice is sent
 * again (generation 3), and once more while no model is loaded (generation 4: withdrawn, not replaced). Each
 * generation must get its own derived series, the earlier one withdrawn with
 * an IOCM rejection note in Orthanc, its own FORWARD job, and the FHIR ImagingStudy must list only the
 * current derived series, so that no position is ever both acquired and invented in what is current.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SupersedeIT {
    Path tmp;
    Orthanc orthanc;
    Node node;
    FhirServer fhir;
    Demo.Simulated sim;
    Path late;

    @BeforeAll
    void start() throws Exception {
        tmp = WorkDir.fresh(getClass());
        orthanc = new Orthanc(tmp.resolve("orthanc")).start();
        fhir = FhirServer.start(FhirVersion.R4);
        node = new Node(tmp.resolve("node"))
                .forwardingTo(orthanc)
                .with("SRI_FHIR_SERVER_URL", fhir.baseUrl())
                .start();
        late = tmp.resolve("late");
        sim = Demo.simulate(
                org.srinode.volume.Nifti.read(SharedData.colin27()),
                tmp.resolve("acquired"),
                "T1 axial late slices (simulated)",
                20261201,
                late);
    }

    @AfterAll
    void stop() throws Exception {
        WorkDir.closeAll(node, orthanc, fhir);
    }

    private void send(List<Path> files) throws Exception {
        Proc store = new Dcmtk(tmp).store("MODALITY", node.dicomPort, files.toArray(Path[]::new));
        assertThat(store.exitCode()).as(store.output()).isZero();
    }

    /** The source's view once a derived series other than {@code previous} is forwarded and published (and the note, if any, forwarded). */
    private JsonNode generationDone(String previous) {
        return await().atMost(Duration.ofSeconds(300))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> {
                            JsonNode v = node.series(sim.seriesUid());
                            String current = v.path("derivedSeries").path(0).asText("");
                            if (current.isEmpty() || current.equals(previous)) {
                                return null;
                            }
                            for (JsonNode uid : v.path("derivedSeries")) {
                                JsonNode d = Http.json(node.url("/api/series/" + uid.asText()));
                                for (JsonNode j : d.path("jobs")) {
                                    if (j.path("state").asText().matches("PENDING|RUNNING")) {
                                        return null;
                                    }
                                }
                            }
                            JsonNode d = Http.json(node.url("/api/series/" + current));
                            return d.at("/series/fhirRef").isTextual() ? v : null;
                        },
                        v -> v != null);
    }

    private JsonNode series(String uid) throws Exception {
        return Http.json(node.url("/api/series/" + uid)).path("series");
    }

    private List<String> derivedOfKind(JsonNode source, String modality, boolean current) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode uid : source.path("derivedSeries")) {
            JsonNode s = series(uid.asText());
            if (s.path("modality").asText().equals(modality) && !s.hasNonNull("supersededBy") == current) {
                out.add(uid.asText());
            }
        }
        return out;
    }

    private Set<String> sopUidsInOrthanc(String seriesUid) throws Exception {
        Set<String> uids = new HashSet<>();
        for (String id : orthanc.instancesOfSeries(seriesUid)) {
            uids.add(Http.json(orthanc.url("/instances/" + id + "/simplified-tags"))
                    .path("SOPInstanceUID")
                    .asText());
        }
        return uids;
    }

    /** The instances a rejection note in Orthanc references (Current Requested Procedure Evidence), after dciodvfy has no error for it. */
    private Set<String> rejected(String noteSeries) throws Exception {
        List<String> ids = orthanc.instancesOfSeries(noteSeries);
        assertThat(ids).hasSize(1);
        Path f = tmp.resolve("note-" + noteSeries + ".dcm");
        Files.write(f, orthanc.file(ids.get(0)));
        Dciodvfy.assertClean(f);
        AttributeList l = new AttributeList();
        l.read(f.toString());
        SequenceAttribute title = (SequenceAttribute) l.get(TagFromName.ConceptNameCodeSequence);
        assertThat(Attribute.getSingleStringValueOrEmptyString(
                        title.getItem(0).getAttributeList(), TagFromName.CodeValue))
                .isEqualTo("113001");
        Set<String> refs = new HashSet<>();
        SequenceAttribute evidence = (SequenceAttribute) l.get(TagFromName.CurrentRequestedProcedureEvidenceSequence);
        for (int i = 0; i < evidence.getNumberOfItems(); i++) {
            SequenceAttribute series = (SequenceAttribute)
                    evidence.getItem(i).getAttributeList().get(TagFromName.ReferencedSeriesSequence);
            for (int j = 0; j < series.getNumberOfItems(); j++) {
                SequenceAttribute sops =
                        (SequenceAttribute) series.getItem(j).getAttributeList().get(TagFromName.ReferencedSOPSequence);
                for (int k = 0; k < sops.getNumberOfItems(); k++) {
                    SequenceItem it = sops.getItem(k);
                    refs.add(Attribute.getSingleStringValueOrEmptyString(
                            it.getAttributeList(), TagFromName.ReferencedSOPInstanceUID));
                }
            }
        }
        return refs;
    }

    private void fhirListsOnly(String derived, int sourceInstances) {
        List<IBaseResource> studies = fhir.store().search("ImagingStudy", Map.of());
        assertThat(studies).hasSize(1);
        ImagingStudy is = (ImagingStudy) studies.get(0);
        assertThat(is.getSeries())
                .extracting(ImagingStudy.ImagingStudySeriesComponent::getUid)
                .containsExactly(sim.seriesUid(), derived);
        assertThat(is.getSeriesFirstRep().getNumberOfInstances()).isEqualTo(sourceInstances);
    }

    private List<String> findingCodes() {
        return fhir.store().search("Observation", Map.of()).stream()
                .map(o -> ((Observation) o).getCode().getCodingFirstRep().getCode())
                .toList();
    }

    @Test
    void eachGenerationReplacesTheEarlierDerivedSeriesAtThePacsAndInFhir() throws Exception {
        List<Path> first = SharedData.dcmFiles(sim.folder());
        send(first);
        JsonNode g1 = generationDone(null);
        String d1 = derivedOfKind(g1, "MR", true).get(0);
        String s1 = derivedOfKind(g1, "SEG", true).get(0);
        int acquired = sim.kept().size();
        int missing = Demo.MISSING.length;
        await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(d1) == acquired + missing);
        assertThat(findingCodes()).contains("incomplete-series");

        // generation 2: the two missing slices arrive late
        send(SharedData.dcmFiles(late));
        JsonNode g2 = generationDone(d1);
        assertThat(g2.at("/series/generation").asInt()).isEqualTo(2);
        assertThat(g2.at("/assessment/missingSlices")).isEmpty();
        String d2 = derivedOfKind(g2, "MR", true).get(0);
        assertThat(d2).isNotEqualTo(d1);
        assertThat(series(d1).path("supersededBy").asText()).isEqualTo(d2);
        assertThat(series(s1).path("supersededBy").asText()).isEqualTo(d2);
        // the current derived series: one instance per acquired position, none invented
        await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(d2) == acquired + missing);
        List<Double> positions = new ArrayList<>();
        for (String id : orthanc.instancesOfSeries(d2)) {
            Path f = tmp.resolve("d2-" + id + ".dcm");
            Files.write(f, orthanc.file(id));
            positions.add(org.srinode.dicom.SeriesFiles.header(f).position()[2]);
            assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .doesNotContain("missing in the acquisition");
        }
        assertThat(new HashSet<>(positions)).hasSize(acquired + missing);
        // the earlier derived series and its Segmentation are rejected at the PACS by exactly one note
        List<String> notes = derivedOfKind(g2, "KO", true);
        assertThat(notes).hasSize(1);
        Set<String> expected = new HashSet<>(sopUidsInOrthanc(d1));
        expected.addAll(sopUidsInOrthanc(s1));
        assertThat(rejected(notes.get(0))).isEqualTo(expected);
        // every delivery has its own job row; the history stays
        assertThat(Http.json(node.url("/api/series/" + d1)).path("jobs").findValuesAsText("state"))
                .contains("DONE");
        assertThat(Http.json(node.url("/api/series/" + d2)).path("jobs").findValuesAsText("kind"))
                .contains("FORWARD", "PUBLISH");
        // FHIR: the study lists the source as it is now and only the current derived series; the stale finding is gone
        fhirListsOnly(d2, acquired + missing);
        assertThat(findingCodes()).doesNotContain("incomplete-series").contains("corrupted-regions");

        // generation 3: one slice sent again
        String s2 = derivedOfKind(g2, "SEG", true).get(0);
        send(List.of(first.get(0)));
        JsonNode g3 = generationDone(d2);
        assertThat(g3.at("/series/generation").asInt()).isEqualTo(3);
        String d3 = derivedOfKind(g3, "MR", true).get(0);
        assertThat(d3).isNotIn(d1, d2);
        assertThat(series(d2).path("supersededBy").asText()).isEqualTo(d3);
        assertThat(series(d1).path("supersededBy").asText())
                .as("an earlier supersession is not rewritten")
                .isEqualTo(d2);
        await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(d3) == acquired + missing);
        List<String> notes3 = derivedOfKind(g3, "KO", true);
        assertThat(notes3).hasSize(2);
        notes3.remove(notes.get(0));
        Set<String> expected3 = new HashSet<>(sopUidsInOrthanc(d2));
        expected3.addAll(sopUidsInOrthanc(s2));
        assertThat(rejected(notes3.get(0))).isEqualTo(expected3);
        fhirListsOnly(d3, acquired + missing);
        assertThat(derivedOfKind(g3, "MR", true)).containsExactly(d3);
        assertThat(derivedOfKind(g3, "SEG", true)).hasSize(1);

        // generation 4 while no model is available: nothing replaces d3, so it is withdrawn at the PACS (a third
        // rejection
        // note) and in FHIR by a publication of its own (the ImagingStudy lists the source only, the findings are
        // deleted)
        String s3 = derivedOfKind(g3, "SEG", true).get(0);
        Set<String> expected4 = new HashSet<>(sopUidsInOrthanc(d3));
        expected4.addAll(sopUidsInOrthanc(s3));
        node.close();
        node.with("SRI_ENHANCE_ENABLED", "false").start();
        send(List.of(first.get(1)));
        JsonNode g4 = await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> {
                            JsonNode v = Http.json(node.url("/api/series/" + sim.seriesUid()));
                            boolean published = false;
                            for (JsonNode j : v.path("jobs")) {
                                published |= j.path("kind").asText().equals("PUBLISH")
                                        && j.path("generation").asInt() == 4
                                        && j.path("state").asText().equals("DONE");
                            }
                            return published && derivedOfKind(v, "KO", true).size() == 3 ? v : null;
                        },
                        v -> v != null);
        assertThat(g4.at("/series/decision").asText()).isEqualTo("ENHANCE_WAITING_FOR_MODEL");
        assertThat(series(d3).path("supersededBy").asText()).isEqualTo("NOT_ENHANCED");
        assertThat(derivedOfKind(g4, "MR", true)).isEmpty();
        List<String> notes4 = derivedOfKind(g4, "KO", true);
        notes4.removeAll(notes3);
        notes4.remove(notes.get(0));
        assertThat(notes4).hasSize(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.seriesInstances(notes4.get(0)) == 1);
        assertThat(rejected(notes4.get(0))).isEqualTo(expected4);
        ImagingStudy is =
                (ImagingStudy) fhir.store().search("ImagingStudy", Map.of()).get(0);
        assertThat(is.getSeries())
                .extracting(ImagingStudy.ImagingStudySeriesComponent::getUid)
                .containsExactly(sim.seriesUid());
        assertThat(findingCodes()).isEmpty();
    }
}
