package org.srinode.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.CodedSequenceItem;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The one home of the small reads and writes over PixelMed's {@link AttributeList} that the header records and the
 * writers of this package share: the header-only read of a Part 10 file, values as the project's types (strings
 * trimmed and empty when absent, numbers null when absent or not numeric) and the SOP Instance Reference Macro
 * (PS3.3 10.8).
 */
final class AttributeValues {
    private AttributeValues() {}

    /** The attributes of one Part 10 file before Pixel Data, and whether Pixel Data follows them. */
    record Header(Path file, AttributeList list, boolean pixelDataFollows) {}

    /**
     * Reads the meta information and the data set of {@code file} up to Pixel Data (7FE0,0010), which is not read.
     *
     * @throws InvalidDicomException naming the file when it cannot be parsed
     */
    static Header readHeader(Path file) throws InvalidDicomException {
        AttributeList list = new AttributeList();
        try {
            long stoppedAt = list.read(file.toString(), TagFromName.PixelData);
            // the read stops where Pixel Data begins: more than its 8-byte element header left means pixels follow
            return new Header(file, list, stoppedAt + 8 < Files.size(file));
        } catch (IOException | DicomException | RuntimeException e) {
            throw new InvalidDicomException(file + ": " + e.getMessage(), e);
        }
    }

    /** The tag of a PS3.6 keyword from PixelMed's dictionary. */
    static AttributeTag tag(String keyword) {
        return AttributeList.getDictionary().getTagFromName(keyword);
    }

    /** The first value, trimmed; empty when absent. */
    static String text(AttributeList l, AttributeTag t) {
        String v = Attribute.getSingleStringValueOrEmptyString(l, t);
        return v == null ? "" : v.trim();
    }

    /** Every value, trimmed; empty when absent. */
    static List<String> values(AttributeList l, AttributeTag t) {
        String[] v = Attribute.getStringValues(l, t);
        return v == null ? List.of() : Arrays.stream(v).map(String::trim).toList();
    }

    /** The first value as a number; null when absent or not numeric. */
    static Double number(AttributeList l, AttributeTag t) {
        String v = text(l, t);
        try {
            return v.isEmpty() ? null : Double.valueOf(v.split("\\\\")[0]);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The first value rounded to an integer; null when absent or not numeric. */
    static Integer integer(AttributeList l, AttributeTag t) {
        Double d = number(l, t);
        return d == null ? null : (int) Math.round(d);
    }

    /** Exactly {@code n} numeric values, or null when absent, of another multiplicity or not numeric. */
    static double[] doubles(AttributeList l, AttributeTag t, int n) {
        Attribute a = l.get(t);
        if (a == null) {
            return null;
        }
        try {
            double[] v = a.getDoubleValues();
            return v != null && v.length == n ? v : null;
        } catch (DicomException | RuntimeException e) {
            return null;
        }
    }

    /** Puts {@code a} into {@code l} with {@code value}; an empty value leaves the attribute empty (zero length). */
    static void put(AttributeList l, Attribute a, String value) throws DicomException {
        if (!value.isEmpty()) {
            a.addValue(value);
        }
        l.put(a);
    }

    /** An item of the SOP Instance Reference Macro (PS3.3 Table 10-11): Referenced SOP Class and Instance UID. */
    static AttributeList sopReference(String sopClassUid, String sopInstanceUid) throws DicomException {
        AttributeList ref = new AttributeList();
        put(ref, new UniqueIdentifierAttribute(TagFromName.ReferencedSOPClassUID), sopClassUid);
        put(ref, new UniqueIdentifierAttribute(TagFromName.ReferencedSOPInstanceUID), sopInstanceUid);
        return ref;
    }

    /**
     * An item of Source Image Sequence (0008,2112): the reference and its Purpose of Reference, (121322, DCM, "Source
     * image for image processing operation") (PS3.16 CID 7202).
     */
    static AttributeList sourceImage(String sopClassUid, String sopInstanceUid) throws DicomException {
        AttributeList ref = sopReference(sopClassUid, sopInstanceUid);
        SequenceAttribute purpose = new SequenceAttribute(TagFromName.PurposeOfReferenceCodeSequence);
        purpose.addItem(new CodedSequenceItem("121322", "DCM", "Source image for image processing operation")
                .getAttributeList());
        ref.put(purpose);
        return ref;
    }
}
