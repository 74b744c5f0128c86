package org.srinode.dicom;

import static org.srinode.dicom.AttributeValues.put;
import static org.srinode.dicom.AttributeValues.sopReference;
import static org.srinode.dicom.AttributeValues.text;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.CodedSequenceItem;
import com.pixelmed.dicom.ContentItem;
import com.pixelmed.dicom.ContentItemFactory;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.IntegerStringAttribute;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.StructuredReport;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TimeAttribute;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An IHE IOCM Rejection Note: a Key Object Selection Document (PS3.3 A.35.4, template TID 2010) whose
 * document title is (113001, DCM, "Rejected for Quality Reasons") and which references every instance
 * it withdraws. The node sends one to the PACS when a later generation of a source series replaces
 * the derived series (and Segmentation) made from an earlier one: archives that implement IOCM
 * (IHE RAD TF-2 RAD-66) hide the referenced instances; others at least store the note next to them.
 */
public final class RejectionNote {
    /** Key Object Selection Document Storage (PS3.4 B.5). */
    public static final String KEY_OBJECT_SELECTION = "1.2.840.10008.5.1.4.1.1.88.59";

    /**
     * One instance the note withdraws.
     *
     * @param seriesUid   its Series Instance UID
     * @param sopClassUid its SOP Class UID
     * @param sopInstanceUid its SOP Instance UID
     */
    public record Withdrawn(String seriesUid, String sopClassUid, String sopInstanceUid) {}

    private RejectionNote() {}

    /**
     * Writes the note.
     *
     * @param patientAndStudy any instance of the study (Patient and General Study modules are copied from it)
     * @param withdrawn       the instances rejected, at least one, all in that study
     * @param seriesUid       Series Instance UID of the note's own series (SOP Instance UID: {@code seriesUid + ".1"})
     * @param seriesNumber    its Series Number
     * @param description     Key Object Description (113012, DCM): why, in words (at most 1024 characters)
     * @param software        Software Versions of the writer
     * @param out             file to write (atomically, fsynced)
     * @throws InvalidDicomException when the study instance cannot be read or the list is empty
     */
    public static void write(
            Path patientAndStudy,
            List<Withdrawn> withdrawn,
            String seriesUid,
            int seriesNumber,
            String description,
            String software,
            Path out)
            throws IOException, InvalidDicomException {
        if (withdrawn.isEmpty()) {
            throw new InvalidDicomException("a rejection note needs at least one instance to reject");
        }
        try {
            AttributeList source = new AttributeList();
            source.read(patientAndStudy.toString(), TagFromName.PixelData);
            ContentItemFactory f = new ContentItemFactory();
            ContentItem root = f.makeContainerContentItem(
                    null,
                    null,
                    new CodedSequenceItem("113001", "DCM", "Rejected for Quality Reasons"),
                    true,
                    "DCMR",
                    "2010");
            f.makeTextContentItem(
                    root,
                    "CONTAINS",
                    new CodedSequenceItem("113012", "DCM", "Key Object Description"),
                    description.length() > 1024 ? description.substring(0, 1024) : description);
            for (Withdrawn w : withdrawn) {
                if (w.sopClassUid().equals(SegmentationWriter.SEGMENTATION_STORAGE)) {
                    f.makeCompositeContentItem(root, "CONTAINS", null, w.sopClassUid(), w.sopInstanceUid());
                } else {
                    f.makeImageContentItem(
                            root, "CONTAINS", null, w.sopClassUid(), w.sopInstanceUid(), 0, 0, null, null, null, null);
                }
            }
            AttributeList l = new StructuredReport(root).getAttributeList();
            SegmentationWriter.copyPatientAndStudy(
                    source,
                    l,
                    java.util.Set.of(
                            TagFromName.SpecificCharacterSet,
                            TagFromName.IssuerOfPatientID,
                            TagFromName.StudyDescription),
                    TagFromName.IssuerOfPatientID,
                    TagFromName.StudyDescription,
                    TagFromName.SpecificCharacterSet);
            LocalDateTime now = LocalDateTime.now();
            put(l, new UniqueIdentifierAttribute(TagFromName.SOPClassUID), KEY_OBJECT_SELECTION);
            put(l, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), seriesUid + ".1");
            put(l, new UniqueIdentifierAttribute(TagFromName.SeriesInstanceUID), seriesUid);
            put(l, new CodeStringAttribute(TagFromName.Modality), "KO");
            put(l, new IntegerStringAttribute(TagFromName.SeriesNumber), Integer.toString(seriesNumber));
            put(
                    l,
                    new LongStringAttribute(TagFromName.SeriesDescription),
                    "Rejection note: superseded AI-enhanced series");
            l.put(new SequenceAttribute(TagFromName.ReferencedPerformedProcedureStepSequence)); // Type 2, empty
            put(l, new LongStringAttribute(TagFromName.Manufacturer), "sri-node");
            put(l, new LongStringAttribute(TagFromName.SoftwareVersions), software);
            put(l, new IntegerStringAttribute(TagFromName.InstanceNumber), "1");
            put(l, new DateAttribute(TagFromName.ContentDate), now.format(DateTimeFormatter.ofPattern("yyyyMMdd")));
            put(l, new TimeAttribute(TagFromName.ContentTime), now.format(DateTimeFormatter.ofPattern("HHmmss")));
            l.put(evidence(text(source, TagFromName.StudyInstanceUID), withdrawn));
            DurableFile.write(l, out);
        } catch (DicomException e) {
            throw new InvalidDicomException("cannot write the rejection note " + out + ": " + e.getMessage(), e);
        }
    }

    /** Current Requested Procedure Evidence Sequence: every referenced instance, by study and series (PS3.3 C.17.6). */
    private static SequenceAttribute evidence(String studyUid, List<Withdrawn> withdrawn) throws DicomException {
        Map<String, List<Withdrawn>> bySeries = new LinkedHashMap<>();
        for (Withdrawn w : withdrawn) {
            bySeries.computeIfAbsent(w.seriesUid(), k -> new ArrayList<>()).add(w);
        }
        SequenceAttribute series = new SequenceAttribute(TagFromName.ReferencedSeriesSequence);
        for (Map.Entry<String, List<Withdrawn>> e : bySeries.entrySet()) {
            AttributeList s = new AttributeList();
            put(s, new UniqueIdentifierAttribute(TagFromName.SeriesInstanceUID), e.getKey());
            SequenceAttribute sops = new SequenceAttribute(TagFromName.ReferencedSOPSequence);
            for (Withdrawn w : e.getValue()) {
                sops.addItem(sopReference(w.sopClassUid(), w.sopInstanceUid()));
            }
            s.put(sops);
            series.addItem(s);
        }
        AttributeList study = new AttributeList();
        put(study, new UniqueIdentifierAttribute(TagFromName.StudyInstanceUID), studyUid);
        study.put(series);
        SequenceAttribute evidence = new SequenceAttribute(TagFromName.CurrentRequestedProcedureEvidenceSequence);
        evidence.addItem(study);
        return evidence;
    }
}
