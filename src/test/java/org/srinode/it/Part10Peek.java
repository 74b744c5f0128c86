package org.srinode.it;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.TagFromName;
import java.io.ByteArrayInputStream;

/** Reads a few header values of a test file. */
final class Part10Peek {
    private Part10Peek() {}

    static String sopInstanceUid(byte[] f) throws Exception {
        return value(f, TagFromName.SOPInstanceUID);
    }

    static String seriesInstanceUid(byte[] f) throws Exception {
        return value(f, TagFromName.SeriesInstanceUID);
    }

    static String studyInstanceUid(byte[] f) throws Exception {
        return value(f, TagFromName.StudyInstanceUID);
    }

    static String transferSyntaxUid(byte[] f) throws Exception {
        return value(f, TagFromName.TransferSyntaxUID);
    }

    private static String value(byte[] f, AttributeTag tag) throws Exception {
        AttributeList list = new AttributeList();
        try (DicomInputStream in = new DicomInputStream(new ByteArrayInputStream(f))) {
            list.read(in, TagFromName.PixelData);
        }
        Attribute a = list.get(tag);
        return a == null ? "" : a.getSingleStringValueOrEmptyString().trim();
    }
}
