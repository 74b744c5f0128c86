package org.srinode.fhir;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.srinode.quality.Assessment;
import org.srinode.quality.FindingTexts;

/**
 * Builds the one transaction bundle (FHIR R4) that announces an enhanced series: the Patient
 * (conditional create on the DICOM Patient ID), the ImagingStudy (conditional update on the Study
 * Instance UID, with the source and derived series merged into what the server already holds), a
 * Device for the model, a Provenance for the derived series and one Observation per finding. Every
 * other resource has an id derived from the DICOM UIDs, so a retry updates instead of duplicating.
 * A {@link Publication#withdrawal withdrawal} writes only the Patient and the ImagingStudy (without the withdrawn
 * series) and deletes the withdrawn series' findings and Provenance.
 *
 * <p>Longer than the project's 300 lines: the bundle's resources reference each other by the ids and conditional
 * URLs made here, so their builders stay together; R5 is a conversion of this R4 bundle ({@link FhirVersion}).
 */
public final class R4Bundle {
    public static final String DICOM_UID_SYSTEM = "urn:dicom:uid";
    public static final String DCM = "http://dicom.nema.org/resources/ontology/DCM";
    public static final String FINDINGS_SYSTEM = "http://sri-node.org/fhir/CodeSystem/finding";
    public static final String MODEL_SYSTEM = "http://sri-node.org/fhir/NamingSystem/model";
    private static final String UCUM = "http://unitsofmeasure.org";

    /** The codes of the findings (FINDINGS_SYSTEM) one publication may write. */
    static final List<String> FINDING_CODES =
            List.of("low-field", "low-resolution", "incomplete-series", "corrupted-regions", "data-consistency");

    private R4Bundle() {}

    /**
     * @param p             what to announce
     * @param existing      the ImagingStudy the server holds for this study (its other series are kept), or null
     * @param patientSystem identifier system of the DICOM Patient ID at this site
     */
    public static Bundle build(Publication p, ImagingStudy existing, String patientSystem) {
        Bundle b = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patientUrl = urn(
                "patient",
                p.patient().id().isEmpty() ? p.study().uid() : p.patient().id());
        Patient patient = patient(p, patientSystem);
        if (p.patient().id().isEmpty()) {
            // no Patient ID in the headers: one Patient per study, with an id of its own
            patient.setId(id("pat", p.study().uid()));
            put(b, patient, "Patient/" + patient.getIdElement().getIdPart()).setFullUrl(patientUrl);
        } else {
            b.addEntry()
                    .setFullUrl(patientUrl)
                    .setResource(patient)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Patient")
                    .setIfNoneExist(
                            "identifier=" + patientSystem + "|" + p.patient().id());
        }
        String studyUrl = urn("study", p.study().uid());
        b.addEntry()
                .setFullUrl(studyUrl)
                .setResource(study(p, existing, patientUrl))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.PUT)
                .setUrl("ImagingStudy?identifier=" + DICOM_UID_SYSTEM + "|urn:oid:"
                        + p.study().uid());
        if (!held(p) && !p.withdrawalOnly()) {
            Device device = device(p.model());
            put(b, device, "Device/" + device.getIdElement().getIdPart());
            Provenance prov =
                    provenance(p, studyUrl, "Device/" + device.getIdElement().getIdPart());
            put(b, prov, "Provenance/" + prov.getIdElement().getIdPart());
        }
        for (Observation o : p.withdrawalOnly() ? List.<Observation>of() : observations(p, studyUrl, patientUrl)) {
            put(b, o, "Observation/" + o.getIdElement().getIdPart());
        }
        for (String old : p.withdrawn()) {
            // the findings and the Provenance published with a superseded derived series: they described a version of
            // the
            // acquisition that changed, and a series the PACS was told to reject
            b.addEntry().getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl("Provenance/" + provenanceId(old));
            for (String code : FINDING_CODES) {
                b.addEntry()
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.DELETE)
                        .setUrl("Observation/" + id("obs", p.source().uid() + "|" + old + "|" + code));
            }
        }
        return b;
    }

    /** A held derived series is not in the PACS: the study does not list it and no Provenance is written, only the findings. */
    private static boolean held(Publication p) {
        return "HELD".equals(p.outcome());
    }

    /** Identifier value of a study: the Study Instance UID as an OID URN. */
    public static String studyIdentifier(String studyUid) {
        return "urn:oid:" + studyUid;
    }

    /** The id the bundle gives the Provenance of a derived series. */
    public static String provenanceId(String derivedSeriesUid) {
        return id("prov", derivedSeriesUid);
    }

    static String id(String kind, String key) {
        return "sri-" + kind + "-" + UUID.nameUUIDFromBytes((kind + ":" + key).getBytes(StandardCharsets.UTF_8));
    }

    private static String urn(String kind, String key) {
        return "urn:uuid:" + UUID.nameUUIDFromBytes(("fullUrl:" + kind + ":" + key).getBytes(StandardCharsets.UTF_8));
    }

    private static Bundle.BundleEntryComponent put(Bundle b, Resource r, String url) {
        Bundle.BundleEntryComponent e = b.addEntry()
                .setFullUrl(urn(r.fhirType(), r.getIdElement().getIdPart()))
                .setResource(r);
        e.getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(url);
        return e;
    }

    /** ISO 21090 name representation (FHIR core extension on HumanName): alphabetic, ideographic, phonetic. */
    static final String REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation";

    private static final String[] GROUPS = {"ABC", "IDE", "SYL"};

    /**
     * A DICOM Person Name (PS3.5 6.2: up to three component groups separated by '=', alphabetic,
     * ideographic, phonetic; components family^given^middle^prefix^suffix) as FHIR names: the
     * alphabetic group is the patient's name; the ideographic and phonetic groups follow as further
     * names marked with the ISO 21090 representation extension (IDE, SYL).
     */
    static void addNames(Patient pt, String dicomName) {
        if (dicomName == null || dicomName.isBlank()) {
            return;
        }
        String[] groups = dicomName.split("=", -1);
        for (int g = 0; g < Math.min(3, groups.length); g++) {
            String[] c = groups[g].split("\\^", -1);
            if (groups[g].replace("^", "").isBlank()) {
                continue;
            }
            var hn = pt.addName();
            if (!c[0].isBlank()) {
                hn.setFamily(c[0].trim());
            }
            for (int i = 1; i <= 2 && i < c.length; i++) {
                if (!c[i].isBlank()) {
                    hn.addGiven(c[i].trim());
                }
            }
            if (c.length > 3 && !c[3].isBlank()) {
                hn.addPrefix(c[3].trim());
            }
            if (c.length > 4 && !c[4].isBlank()) {
                hn.addSuffix(c[4].trim());
            }
            if (g > 0) {
                hn.addExtension(REPRESENTATION, new org.hl7.fhir.r4.model.CodeType(GROUPS[g]));
            }
        }
    }

    private static Patient patient(Publication p, String system) {
        Patient pt = new Patient();
        if (!p.patient().id().isEmpty()) {
            pt.addIdentifier().setSystem(system).setValue(p.patient().id());
        }
        addNames(pt, p.patient().name());
        Date birth = Dates.date(p.patient().birthDate());
        if (birth != null) {
            pt.setBirthDate(birth);
        }
        switch (p.patient().sex()) {
            case "M" -> pt.setGender(Enumerations.AdministrativeGender.MALE);
            case "F" -> pt.setGender(Enumerations.AdministrativeGender.FEMALE);
            case "O" -> pt.setGender(Enumerations.AdministrativeGender.OTHER);
            default -> {}
        }
        return pt;
    }

    private static ImagingStudy study(Publication p, ImagingStudy existing, String patientUrl) {
        ImagingStudy s = existing == null ? new ImagingStudy() : existing.copy();
        s.setId((String) null);
        s.setMeta(null);
        if (s.getIdentifier().stream().noneMatch(i -> DICOM_UID_SYSTEM.equals(i.getSystem()))) {
            s.addIdentifier(new Identifier()
                    .setSystem(DICOM_UID_SYSTEM)
                    .setValue(studyIdentifier(p.study().uid())));
        }
        s.setStatus(ImagingStudy.ImagingStudyStatus.AVAILABLE);
        if (existing == null || !existing.hasSubject()) {
            s.setSubject(new Reference(patientUrl));
        }
        DateTimeType started = Dates.dateTime(p.study().date(), p.study().time());
        if (started != null && !s.hasStarted()) {
            s.setStartedElement(started);
        }
        if (!p.study().description().isEmpty() && !s.hasDescription()) {
            s.setDescription(p.study().description());
        }
        if (!p.study().accession().isEmpty()
                && s.getIdentifier().stream()
                        .noneMatch(
                                i -> i.getType().hasCoding("http://terminology.hl7.org/CodeSystem/v2-0203", "ACSN"))) {
            s.addIdentifier()
                    .setValue(p.study().accession())
                    .getType()
                    .addCoding()
                    .setSystem("http://terminology.hl7.org/CodeSystem/v2-0203")
                    .setCode("ACSN");
        }
        // the source as it is now (a later generation has more instances), the current derived series, no superseded
        // one
        s.getSeries()
                .removeIf(x -> p.source().uid().equals(x.getUid())
                        || !p.withdrawalOnly() && p.derived().uid().equals(x.getUid())
                        || p.withdrawn().contains(x.getUid()));
        s.addSeries(series(p.source()));
        if (!held(p) && !p.withdrawalOnly()) {
            s.addSeries(series(p.derived()));
        }
        s.setNumberOfSeries(s.getSeries().size());
        s.setNumberOfInstances(s.getSeries().stream()
                .mapToInt(ImagingStudy.ImagingStudySeriesComponent::getNumberOfInstances)
                .sum());
        return s;
    }

    private static ImagingStudy.ImagingStudySeriesComponent series(Publication.Series x) {
        ImagingStudy.ImagingStudySeriesComponent s = new ImagingStudy.ImagingStudySeriesComponent();
        s.setUid(x.uid());
        if (x.number() != null) {
            s.setNumber(x.number());
        }
        s.setModality(new Coding(DCM, x.modality().isEmpty() ? "MR" : x.modality(), null));
        if (!x.description().isEmpty()) {
            s.setDescription(x.description());
        }
        s.setNumberOfInstances(x.instances().size());
        for (Publication.Instance i : x.instances()) {
            var in = s.addInstance()
                    .setUid(i.uid())
                    .setSopClass(new Coding("urn:ietf:rfc:3986", "urn:oid:" + i.sopClassUid(), null));
            if (i.number() != null) {
                in.setNumber(i.number());
            }
        }
        return s;
    }

    private static Device device(Publication.Model m) {
        Device d = new Device();
        d.setId(id("dev", m.name() + "|" + m.version()));
        d.addIdentifier().setSystem(MODEL_SYSTEM).setValue(m.name() + ":" + m.version());
        d.setStatus(Device.FHIRDeviceStatus.ACTIVE);
        d.setManufacturer(m.manufacturer());
        d.addDeviceName().setName(m.name()).setType(Device.DeviceNameType.MODELNAME);
        d.addVersion().setValue(m.version());
        d.addVersion().setValue(m.software()).getType().setText("processing software");
        d.getType().setText("AI image enhancement software (super-resolution and inpainting)");
        return d;
    }

    private static Provenance provenance(Publication p, String studyUrl, String deviceRef) {
        Provenance pr = new Provenance();
        pr.setId(provenanceId(p.derived().uid()));
        pr.addTarget(new Reference(studyUrl)
                .setDisplay("AI-enhanced series " + p.derived().uid()
                        + (p.derived().number() == null
                                ? ""
                                : " (series number " + p.derived().number() + ")")));
        pr.setOccurred(new DateTimeType(Date.from(p.processedAt())));
        pr.setRecorded(Date.from(p.processedAt()));
        pr.getActivity()
                .addCoding(new Coding(DCM, "113085", "Spatial resampling"))
                .setText(activity(p));
        Provenance.ProvenanceAgentComponent agent = pr.addAgent();
        agent.getType()
                .addCoding(new Coding(
                        "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "assembler", "Assembler"));
        agent.setWho(new Reference(deviceRef)
                .setDisplay(p.model().name() + " " + p.model().version()));
        Reference source = new Reference()
                .setDisplay("acquired series " + p.source().uid()
                        + (p.source().description().isEmpty()
                                ? ""
                                : " (" + p.source().description() + ")"));
        source.setIdentifier(new Identifier()
                .setSystem(DICOM_UID_SYSTEM)
                .setValue("urn:oid:" + p.source().uid()));
        pr.addEntity().setRole(Provenance.ProvenanceEntityRole.SOURCE).setWhat(source);
        return pr;
    }

    private static String activity(Publication p) {
        Assessment a = p.assessment();
        List<String> actions = a == null ? List.of() : a.actions();
        return "AI enhancement (" + String.join(", ", actions) + ") by "
                + p.model().name() + " " + p.model().version() + "; outcome " + p.outcome();
    }

    private static List<Observation> observations(Publication p, String studyUrl, String patientUrl) {
        List<Observation> all = new ArrayList<>();
        Assessment a = p.assessment();
        String key = p.source().uid() + "|" + p.derived().uid();
        if (a != null && a.measured() != null) {
            Assessment.Measured m = a.measured();
            if ("TRUE".equals(a.lowField()) && m.fieldStrengthTesla() != null) {
                Observation o = finding(all, key, "low-field", "Low field strength", studyUrl, patientUrl);
                o.setValue(quantity(m.fieldStrengthTesla(), "T"));
            }
            if (a.lowResolution() || a.thickSlices()) {
                Observation o = finding(all, key, "low-resolution", "Low resolution acquisition", studyUrl, patientUrl);
                if (m.pixelSpacingMm() != null) {
                    component(o, "pixel-spacing", "Pixel spacing").setValue(quantity(m.pixelSpacingMm(), "mm"));
                }
                if (m.sliceThicknessMm() != null) {
                    component(o, "slice-thickness", "Slice thickness").setValue(quantity(m.sliceThicknessMm(), "mm"));
                }
                component(o, "recommended-scale", "Recommended super-resolution factor")
                        .setValue(new IntegerType(a.recommendedScale()));
            }
            if (a.incomplete()) {
                Observation o = finding(all, key, "incomplete-series", "Incomplete series", studyUrl, patientUrl);
                int missing = a.missingSlices().stream()
                        .mapToInt(Assessment.Gap::count)
                        .sum();
                o.setValue(new IntegerType(missing));
                o.addNote(new Annotation().setText(incompleteText(a)));
            }
            if (a.corrupted()) {
                Observation o = finding(all, key, "corrupted-regions", "Corrupted image regions", studyUrl, patientUrl);
                o.setValue(new IntegerType(
                        a.corruptedRegions().size() + a.dropoutSlices().size()));
                o.addNote(new Annotation().setText(corruptedText(a)));
            }
        }
        if (p.consistency() != null) {
            Observation o = finding(
                    all, key, "data-consistency", "Data consistency of the AI-enhanced series", studyUrl, patientUrl);
            o.setValue(quantity(p.consistency(), "1"));
            o.addReferenceRange().setHigh(quantity(p.maxConsistency(), "1"));
            if (p.consistencyExceeded()) {
                o.addInterpretation()
                        .addCoding(new Coding(
                                "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "H", "High"));
                o.addNote(new Annotation()
                        .setText("Above the configured limit: the enhanced series was "
                                + p.outcome().toLowerCase(Locale.ROOT)
                                + "; check it against the acquired series before use."));
            }
        }
        return all;
    }

    private static Observation finding(
            List<Observation> all, String key, String code, String display, String studyUrl, String patientUrl) {
        Observation o = new Observation();
        o.setId(id("obs", key + "|" + code));
        o.addIdentifier().setSystem(FINDINGS_SYSTEM).setValue(o.getIdElement().getIdPart());
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.addCategory()
                .addCoding(
                        new Coding("http://terminology.hl7.org/CodeSystem/observation-category", "imaging", "Imaging"));
        o.getCode().addCoding(new Coding(FINDINGS_SYSTEM, code, display)).setText(display);
        o.setSubject(new Reference(patientUrl));
        o.addDerivedFrom(new Reference(studyUrl));
        all.add(o);
        return o;
    }

    private static Observation.ObservationComponentComponent component(Observation o, String code, String display) {
        Observation.ObservationComponentComponent c = o.addComponent();
        c.setCode(new CodeableConcept(new Coding(FINDINGS_SYSTEM, code, display)));
        return c;
    }

    private static Quantity quantity(double v, String ucum) {
        return new Quantity()
                .setValue(Math.round(v * 1e4) / 1e4)
                .setUnit(ucum)
                .setSystem(UCUM)
                .setCode(ucum);
    }

    private static String incompleteText(Assessment a) {
        List<String> parts = new ArrayList<>();
        a.missingSlices().forEach(g -> parts.add(FindingTexts.gap(g)));
        if (!a.duplicatePositions().isEmpty()) {
            parts.add(FindingTexts.duplicates(a.duplicatePositions()));
        }
        if (!a.irregularSteps().isEmpty()) {
            parts.add(FindingTexts.irregular(a.irregularSteps()));
        }
        if (!a.missingInstanceNumbers().isEmpty()) {
            parts.add(FindingTexts.missingInstanceNumbers(a.missingInstanceNumbers()));
        }
        return parts.isEmpty() ? String.join("; ", a.reasons()) : String.join("; ", parts);
    }

    private static String corruptedText(Assessment a) {
        List<String> parts = new ArrayList<>();
        a.corruptedRegions().forEach(r -> parts.add(FindingTexts.region(r)));
        if (!a.dropoutSlices().isEmpty()) {
            parts.add(FindingTexts.dropoutSlices(a.dropoutSlices()));
        }
        return String.join("; ", parts);
    }
}
