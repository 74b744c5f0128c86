package org.srinode.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The headers that say what an MR acquisition is (anatomy, contrast), for the model-scope check
 * ({@code quality.ModelScope}).
 *
 * @param bodyPart     Body Part Examined
 * @param words        Series Description, Protocol Name and Sequence Name, joined
 * @param repetitionMs Repetition Time, or null
 * @param echoMs       Echo Time, or null
 * @param inversionMs  Inversion Time, or null
 */
public record AcquisitionHeader(String bodyPart, String words, Double repetitionMs, Double echoMs, Double inversionMs) {

    /** Reads the headers of one instance (not its pixels). */
    public static AcquisitionHeader read(Path file) throws InvalidDicomException {
        AttributeList l = new AttributeList();
        try {
            l.read(file.toString(), TagFromName.PixelData);
        } catch (IOException | DicomException | RuntimeException e) {
            throw new InvalidDicomException(file + ": " + e.getMessage(), e);
        }
        String words = String.join(" ", text(l, "SeriesDescription"), text(l, "ProtocolName"), text(l, "SequenceName"));
        return new AcquisitionHeader(
                text(l, "BodyPartExamined"),
                words,
                number(l, "RepetitionTime"),
                number(l, "EchoTime"),
                number(l, "InversionTime"));
    }

    private static String text(AttributeList l, String keyword) {
        String v = Attribute.getSingleStringValueOrEmptyString(
                l, AttributeList.getDictionary().getTagFromName(keyword));
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
