package org.srinode.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
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

    public static StudyHeader read(Path file) throws InvalidDicomException {
        AttributeList l = new AttributeList();
        try {
            l.read(file.toString(), TagFromName.PixelData);
        } catch (IOException | DicomException | RuntimeException e) {
            throw new InvalidDicomException(file + ": " + e.getMessage(), e);
        }
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

    private static String text(AttributeList l, AttributeTag t) {
        String v = Attribute.getSingleStringValueOrEmptyString(l, t);
        return v == null ? "" : v.trim();
    }

    private static Integer integer(AttributeList l, AttributeTag t) {
        String v = text(l, t);
        try {
            return v.isEmpty() ? null : (int) Math.round(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
