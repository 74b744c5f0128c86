package org.srinode.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.TagFromName;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and checks a stored Part 10 file: the whole dataset must parse and the identifying UIDs be present. */
public final class DicomHeaders {
    private DicomHeaders() {
    }

    /**
     * Parses every element of the file (pixel data is read but not decompressed), so truncated or
     * malformed data is refused here rather than downstream.
     */
    public static InstanceHeader readAndCheck(Path file) throws InvalidDicomException {
        AttributeList list = new AttributeList();
        list.setDecompressPixelData(false);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             DicomInputStream din = new DicomInputStream(in)) {
            list.read(din);
        } catch (IOException | DicomException | RuntimeException e) {
            throw new InvalidDicomException("cannot parse the dataset: " + describe(e), e);
        }
        String ts = value(list, TagFromName.TransferSyntaxUID);
        InstanceHeader h = new InstanceHeader(value(list, TagFromName.SOPClassUID), value(list, TagFromName.SOPInstanceUID),
                value(list, TagFromName.StudyInstanceUID), value(list, TagFromName.SeriesInstanceUID),
                value(list, TagFromName.Modality), ts);
        require(h.sopInstanceUid(), "SOP Instance UID (0008,0018)");
        require(h.studyInstanceUid(), "Study Instance UID (0020,000D)");
        require(h.seriesInstanceUid(), "Series Instance UID (0020,000E)");
        require(h.sopClassUid(), "SOP Class UID (0008,0016)");
        checkPixelModule(list);
        return h;
    }

    /**
     * The image pixel attributes must be integers and native pixel data must be as long as they say:
     * what downstream decoding relies on (a truncated file or a Number of Frames of "1A" fails here).
     */
    private static void checkPixelModule(AttributeList list) throws InvalidDicomException {
        Attribute pixels = list.get(TagFromName.PixelData);
        if (pixels == null) {
            boolean other = list.get(TagFromName.FloatPixelData) != null || list.get(TagFromName.DoubleFloatPixelData) != null;
            if (!other && com.pixelmed.dicom.SOPClass.isImageStorage(value(list, TagFromName.SOPClassUID))) {
                throw new InvalidDicomException("image without readable pixel data (truncated?)");
            }
            return;
        }
        long rows = integer(list, TagFromName.Rows, "Rows (0028,0010)", -1);
        long cols = integer(list, TagFromName.Columns, "Columns (0028,0011)", -1);
        long bits = integer(list, TagFromName.BitsAllocated, "Bits Allocated (0028,0100)", -1);
        long samples = integer(list, TagFromName.SamplesPerPixel, "Samples per Pixel (0028,0002)", 1);
        long frames = integer(list, TagFromName.NumberOfFrames, "Number of Frames (0028,0008)", 1);
        if (rows <= 0 || cols <= 0 || bits <= 0) {
            throw new InvalidDicomException("pixel data without valid Rows, Columns and Bits Allocated");
        }
        if (pixels instanceof com.pixelmed.dicom.OtherByteAttributeMultipleCompressedFrames) {
            return; // encapsulated: the codec checks the frames
        }
        long expected = (rows * cols * frames * samples * bits + 7) / 8;
        long actual = storedBytes(pixels);
        if (actual < expected) {
            throw new InvalidDicomException("pixel data is " + actual + " bytes, the image needs " + expected);
        }
    }

    private static long storedBytes(Attribute pixels) throws InvalidDicomException {
        try {
            return "OW".equals(new String(pixels.getVR())) ? 2L * pixels.getShortValues().length : pixels.getByteValues().length;
        } catch (DicomException e) {
            throw new InvalidDicomException("unreadable pixel data: " + e.getMessage(), e);
        }
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
            throw new InvalidDicomException(name + " '" + v + "' is not an integer");
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

    private static String value(AttributeList list, com.pixelmed.dicom.AttributeTag tag) {
        Attribute a = list.get(tag);
        String v = a == null ? "" : a.getSingleStringValueOrEmptyString();
        return v == null ? "" : v.trim().replace("\0", "");
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
