package org.srinode.dicom;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.TagFromName;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and checks a stored Part 10 file: what the node requires of every instance before it acknowledges it. */
public final class DicomHeaders {
    private DicomHeaders() {}

    /** {@link #readAndCheck(Path, String, String)} without an expected SOP Class or Instance. */
    public static InstanceHeader readAndCheck(Path file) throws InvalidDicomException {
        return readAndCheck(file, null, null);
    }

    /**
     * Checks that a stored Part 10 file is an instance the node can keep and deliver, and returns its
     * identifying header. In order: the framing of every element ({@link DatasetStructure}: lengths,
     * nesting, delimiters, VRs), a full parse with PixelMed (pixel data read, not decompressed), the
     * identifying UIDs, the values the node stores in its database (Modality as a CS of at most 16
     * characters), the SOP Class and Instance the command announced, and the Image Pixel Module
     * against the Pixel Data ({@link PixelModuleCheck}).
     *
     * @param expectedSopClass    SOP Class UID of the presentation context/command, or null
     * @param expectedSopInstance Affected SOP Instance UID of the command, or null
     * @throws InvalidDicomException naming the first fault; kind DOES_NOT_MATCH_SOP_CLASS when the
     *                               data set's SOP Class differs from the expected one
     */
    public static InstanceHeader readAndCheck(Path file, String expectedSopClass, String expectedSopInstance)
            throws InvalidDicomException {
        return check(file, expectedSopClass, expectedSopInstance, false);
    }

    /**
     * {@link #readAndCheck(Path, String, String)} for an instance a peer sent: the full parse holds the whole data set
     * on the heap, so its estimated size ({@link DatasetStructure.Result#parseHeapBytes}) is taken from the node-wide
     * {@link ParseBudget} for the check; this may wait up to 20 s for other associations' checks.
     *
     * @throws InvalidDicomException as readAndCheck, and of kind {@link InvalidDicomException.Kind#OUT_OF_RESOURCES}
     *     when the budget stays short or is smaller than the data set
     */
    public static InstanceHeader readAndCheckReceived(Path file, String expectedSopClass, String expectedSopInstance)
            throws InvalidDicomException {
        return check(file, expectedSopClass, expectedSopInstance, true);
    }

    private static InstanceHeader check(
            Path file, String expectedSopClass, String expectedSopInstance, boolean budgeted)
            throws InvalidDicomException {
        DatasetStructure.Result structure;
        try {
            structure = DatasetStructure.check(file);
        } catch (IOException e) {
            throw new InvalidDicomException("cannot read the data set: " + describe(e), e);
        }
        try (ParseBudget.Share share = budgeted ? ParseBudget.take(structure.parseHeapBytes()) : null) {
            return parseAndCheck(file, structure, expectedSopClass, expectedSopInstance);
        }
    }

    private static InstanceHeader parseAndCheck(
            Path file, DatasetStructure.Result structure, String expectedSopClass, String expectedSopInstance)
            throws InvalidDicomException {
        AttributeList list = new AttributeList();
        list.setDecompressPixelData(false);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
                DicomInputStream din = new DicomInputStream(in)) {
            list.read(din);
        } catch (IOException | DicomException | RuntimeException | StackOverflowError e) {
            throw new InvalidDicomException("cannot parse the dataset: " + describe(e), e);
        }
        String ts = value(list, TagFromName.TransferSyntaxUID);
        InstanceHeader h = new InstanceHeader(
                value(list, TagFromName.SOPClassUID),
                value(list, TagFromName.SOPInstanceUID),
                value(list, TagFromName.StudyInstanceUID),
                value(list, TagFromName.SeriesInstanceUID),
                value(list, TagFromName.Modality),
                ts);
        require(h.sopInstanceUid(), "SOP Instance UID (0008,0018)");
        require(h.studyInstanceUid(), "Study Instance UID (0020,000D)");
        require(h.seriesInstanceUid(), "Series Instance UID (0020,000E)");
        require(h.sopClassUid(), "SOP Class UID (0008,0016)");
        if (!h.modality().isEmpty() && !h.modality().matches("[A-Z0-9 _]{1,16}")) {
            throw new InvalidDicomException("Modality (0008,0060) '" + LogText.escape(h.modality())
                    + "' is not a code string of at most 16 characters");
        }
        if (expectedSopClass != null && !expectedSopClass.equals(h.sopClassUid())) {
            throw new InvalidDicomException(
                    "data set SOP Class " + h.sopClassUid() + " is not the announced " + expectedSopClass,
                    InvalidDicomException.Kind.DOES_NOT_MATCH_SOP_CLASS);
        }
        if (expectedSopInstance != null && !expectedSopInstance.equals(h.sopInstanceUid())) {
            throw new InvalidDicomException(
                    "data set SOP Instance UID differs from the command's Affected SOP Instance UID");
        }
        checkPixelModule(list, structure);
        return h;
    }

    private static void checkPixelModule(AttributeList list, DatasetStructure.Result structure)
            throws InvalidDicomException {
        if (list.get(TagFromName.PixelData) == null) {
            boolean other =
                    list.get(TagFromName.FloatPixelData) != null || list.get(TagFromName.DoubleFloatPixelData) != null;
            if (!other && com.pixelmed.dicom.SOPClass.isImageStorage(value(list, TagFromName.SOPClassUID))) {
                throw new InvalidDicomException("image without readable pixel data (truncated?)");
            }
            return;
        }
        PixelModuleCheck.check(
                new PixelModuleCheck.Values(
                        optional(list, TagFromName.Rows, "Rows (0028,0010)"),
                        optional(list, TagFromName.Columns, "Columns (0028,0011)"),
                        optional(list, TagFromName.BitsAllocated, "Bits Allocated (0028,0100)"),
                        optional(list, TagFromName.BitsStored, "Bits Stored (0028,0101)"),
                        optional(list, TagFromName.SamplesPerPixel, "Samples per Pixel (0028,0002)"),
                        value(list, TagFromName.NumberOfFrames),
                        value(list, TagFromName.PhotometricInterpretation)),
                structure);
    }

    private static Long optional(AttributeList list, com.pixelmed.dicom.AttributeTag tag, String name)
            throws InvalidDicomException {
        long v = integer(list, tag, name, Long.MIN_VALUE);
        return v == Long.MIN_VALUE ? null : v;
    }

    private static long integer(AttributeList list, com.pixelmed.dicom.AttributeTag tag, String name, long absent)
            throws InvalidDicomException {
        String v = value(list, tag);
        if (v.isEmpty()) {
            return absent;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidDicomException(name + " '" + LogText.escape(v) + "' is not an integer");
        }
    }

    private static void require(String uid, String name) throws InvalidDicomException {
        if (uid.isEmpty()) {
            throw new InvalidDicomException("missing " + name);
        }
        if (!Uids.isSafeForPath(uid)) {
            throw new InvalidDicomException("invalid " + name + ": not a UID of digits and dots up to 64 characters");
        }
    }

    /** {@link AttributeValues#text} without NUL characters (some writers pad with NUL instead of a space). */
    private static String value(AttributeList list, com.pixelmed.dicom.AttributeTag tag) {
        return AttributeValues.text(list, tag).replace("\0", "");
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
