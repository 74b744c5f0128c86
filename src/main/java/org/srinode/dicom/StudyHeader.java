package org.srinode.dicom;

import static org.srinode.dicom.AttributeValues.integer;
import static org.srinode.dicom.AttributeValues.readHeader;
import static org.srinode.dicom.AttributeValues.text;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.nio.file.Path;

/**
 * Patient, study and series identification of one instance, for annotations (FHIR) and reports.
 * Strings are trimmed, empty when absent; numbers null when absent or not numeric.
 */
public record StudyHeader(
        String patientId,
        String issuerOfPatientId,
        String patientName,
        String patientBirthDate,
        String patientSex,
        String studyUid,
        String studyDate,
        String studyTime,
        String studyDescription,
        String accessionNumber,
        String seriesUid,
        Integer seriesNumber,
        String seriesDescription,
        String modality,
        String sopClassUid,
        String sopInstanceUid,
        Integer instanceNumber) {

    /**
     * The identification of one Part 10 file, read up to Pixel Data ({@link AttributeValues#readHeader}).
     *
     * @throws InvalidDicomException naming the file when it cannot be parsed
     */
    public static StudyHeader read(Path file) throws InvalidDicomException {
        AttributeList l = readHeader(file).list();
        return new StudyHeader(
                text(l, TagFromName.PatientID),
                text(l, TagFromName.IssuerOfPatientID),
                text(l, TagFromName.PatientName),
                text(l, TagFromName.PatientBirthDate),
                text(l, TagFromName.PatientSex),
                text(l, TagFromName.StudyInstanceUID),
                text(l, TagFromName.StudyDate),
                text(l, TagFromName.StudyTime),
                text(l, TagFromName.StudyDescription),
                text(l, TagFromName.AccessionNumber),
                text(l, TagFromName.SeriesInstanceUID),
                integer(l, TagFromName.SeriesNumber),
                text(l, TagFromName.SeriesDescription),
                text(l, TagFromName.Modality),
                text(l, TagFromName.SOPClassUID),
                text(l, TagFromName.SOPInstanceUID),
                integer(l, TagFromName.InstanceNumber));
    }
}
