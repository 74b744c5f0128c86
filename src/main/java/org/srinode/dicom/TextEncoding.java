package org.srinode.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.SequenceItem;
import com.pixelmed.dicom.SpecificCharacterSet;
import com.pixelmed.dicom.StringAttribute;
import com.pixelmed.dicom.TagFromName;
import java.util.Iterator;

/**
 * The character set of objects the node writes (PS3.5 section 6.1, PS3.3 C.12.1.1.2). Text values are
 * held decoded (PixelMed decodes every Specific Character Set of the source, ISO 2022 escapes and
 * Person Name component groups included). When any text value of the object is not ASCII, the whole
 * object, sequence items included, is written in UTF-8 (ISO_IR 192) and Specific Character Set says
 * so: the source's names come out with the same characters in every group, and the text the node adds
 * is encoded like the rest. An all-ASCII object keeps its Specific Character Set.
 */
public final class TextEncoding {
    /** Specific Character Set (0008,0005) value of UTF-8. */
    public static final String UTF8 = "ISO_IR 192";

    private TextEncoding() {}

    /** Prepares {@code l} for writing; true when it was switched to UTF-8. */
    public static boolean prepare(AttributeList l) throws DicomException {
        if (!hasNonAscii(l)) {
            return false;
        }
        toUtf8(l, new SpecificCharacterSet(new String[] {UTF8}), true);
        return true;
    }

    private static boolean hasNonAscii(AttributeList l) throws DicomException {
        for (Attribute a : l.values()) {
            if (a instanceof SequenceAttribute sq) {
                for (Iterator<?> it = sq.iterator(); it.hasNext(); ) {
                    if (hasNonAscii(((SequenceItem) it.next()).getAttributeList())) {
                        return true;
                    }
                }
            } else if (a instanceof StringAttribute s && !a.getTag().equals(TagFromName.SpecificCharacterSet)) {
                String[] values = s.getStringValues();
                if (values != null) {
                    for (String v : values) {
                        if (v != null && v.chars().anyMatch(c -> c > 0x7e)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static void toUtf8(AttributeList l, SpecificCharacterSet utf8, boolean top) throws DicomException {
        for (Attribute a : l.values()) {
            if (a instanceof SequenceAttribute sq) {
                for (Iterator<?> it = sq.iterator(); it.hasNext(); ) {
                    toUtf8(((SequenceItem) it.next()).getAttributeList(), utf8, false);
                }
            } else if (a instanceof StringAttribute s) {
                s.setSpecificCharacterSet(utf8);
            }
        }
        if (top || l.get(TagFromName.SpecificCharacterSet) != null) {
            CodeStringAttribute cs = new CodeStringAttribute(TagFromName.SpecificCharacterSet);
            cs.addValue(UTF8);
            l.put(cs);
        }
    }
}
