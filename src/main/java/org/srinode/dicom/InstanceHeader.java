package org.srinode.dicom;

/**
 * The identifying header fields of one DICOM instance, in the project's own terms.
 *
 * @param sopClassUid       SOP Class UID (0008,0016)
 * @param sopInstanceUid    SOP Instance UID (0008,0018)
 * @param studyInstanceUid  Study Instance UID (0020,000D)
 * @param seriesInstanceUid Series Instance UID (0020,000E)
 * @param modality          Modality (0008,0060), empty when absent
 * @param transferSyntaxUid transfer syntax of the stored file
 */
public record InstanceHeader(
        String sopClassUid,
        String sopInstanceUid,
        String studyInstanceUid,
        String seriesInstanceUid,
        String modality,
        String transferSyntaxUid) {}
