package org.srinode.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
import java.nio.file.Path;
import org.srinode.quality.ModelScope;

/** The headers that say what an MR acquisition is (anatomy, contrast), for the model-scope check. */
public final class AcquisitionHeader {
    private AcquisitionHeader() {
    }

    public static ModelScope.Acquisition read(Path file) throws InvalidDicomException {
        AttributeList l = new AttributeList();
        try {
            l.read(file.toString(), TagFromName.PixelData);
        } catch (IOException | DicomException | RuntimeException e) {
            throw new InvalidDicomException(file + ": " + e.getMessage(), e);
        }
        String words = String.join(" ", text(l, "SeriesDescription"), text(l, "ProtocolName"), text(l, "SequenceName"));
        return new ModelScope.Acquisition(text(l, "BodyPartExamined"), words, number(l, "RepetitionTime"), number(l, "EchoTime"),
                number(l, "InversionTime"));
    }

    private static String text(AttributeList l, String keyword) {
        String v = Attribute.getSingleStringValueOrEmptyString(l, AttributeList.getDictionary().getTagFromName(keyword));
        return v == null ? "" : v.trim();
    }

    private static Double number(AttributeList l, String keyword) {
        try {
            String v = text(l, keyword);
            return v.isEmpty() ? null : Double.valueOf(v.split("\\\\")[0]);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
