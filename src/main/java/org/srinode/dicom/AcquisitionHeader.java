package org.srinode.dicom;

import static org.srinode.dicom.AttributeValues.number;
import static org.srinode.dicom.AttributeValues.readHeader;
import static org.srinode.dicom.AttributeValues.tag;
import static org.srinode.dicom.AttributeValues.text;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
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

    /**
     * Reads the headers of one instance up to Pixel Data ({@link AttributeValues#readHeader}).
     *
     * @throws InvalidDicomException naming the file when it cannot be parsed
     */
    public static AcquisitionHeader read(Path file) throws InvalidDicomException {
        AttributeList l = readHeader(file).list();
        String words = String.join(
                " ",
                text(l, TagFromName.SeriesDescription),
                text(l, TagFromName.ProtocolName),
                text(l, tag("SequenceName")));
        return new AcquisitionHeader(
                text(l, TagFromName.BodyPartExamined),
                words,
                number(l, TagFromName.RepetitionTime),
                number(l, TagFromName.EchoTime),
                number(l, tag("InversionTime")));
    }
}
