package org.srinode.dicom;

import static org.srinode.dicom.AttributeValues.put;
import static org.srinode.dicom.AttributeValues.tag;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.DecimalStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.IntegerStringAttribute;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.ShortStringAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TimeAttribute;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import com.pixelmed.dicom.UnsignedShortAttribute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes axial slices of a volume as an MR Image Storage series (Explicit VR Little Endian, 16-bit
 * unsigned with a rescale slope): for the demo's simulated acquisition and for offline enhancement of
 * NIfTI files. Geometry: axial (orientation 1\0\0\0\1\0), slice positions as given.
 */
public final class VolumeWriter {
    private VolumeWriter() {}

    /**
     * What the series says about itself.
     *
     * @param patientId          Patient ID
     * @param patientName        Patient Name (DICOM PN)
     * @param studyUid           Study Instance UID
     * @param seriesUid          Series Instance UID
     * @param frameOfReferenceUid Frame of Reference UID
     * @param seriesNumber       Series Number
     * @param description        Series Description
     * @param fieldStrengthTesla Magnetic Field Strength, or null to leave it out
     * @param pixelSpacingMm     in-plane spacing
     * @param sliceThicknessMm   Slice Thickness
     * @param imagesInAcquisition Images in Acquisition (the slices planned, present or not)
     */
    public record SeriesSpec(
            String patientId,
            String patientName,
            String studyUid,
            String seriesUid,
            String frameOfReferenceUid,
            int seriesNumber,
            String description,
            Double fieldStrengthTesla,
            double pixelSpacingMm,
            double sliceThicknessMm,
            int imagesInAcquisition) {}

    /** One slice: pixels (row-major, width x height) at a position along z, with its Instance Number. */
    public record Slice(float[] pixels, double zMm, int instanceNumber) {}

    /** Writes every slice into the folder as {@code <SOP Instance UID>.dcm}; returns the files in slice order. */
    public static List<Path> write(SeriesSpec spec, List<Slice> slices, int width, int height, Path folder)
            throws IOException {
        float max = 1e-6f;
        for (Slice s : slices) {
            for (float v : s.pixels()) {
                max = Math.max(max, v);
            }
        }
        double slope = max / 4095.0;
        Files.createDirectories(folder);
        List<Path> files = new ArrayList<>();
        for (Slice s : slices) {
            String sop = spec.seriesUid() + "." + s.instanceNumber();
            Path out = folder.resolve(sop + ".dcm");
            try {
                AttributeList l = header(spec, s, sop, width, height, slope);
                short[] px = new short[width * height];
                for (int i = 0; i < px.length; i++) {
                    px[i] = (short) Math.max(0, Math.min(65535, Math.round(Math.max(0f, s.pixels()[i]) / slope)));
                }
                OtherWordAttribute pd = new OtherWordAttribute(TagFromName.PixelData);
                pd.setValues(px);
                l.put(pd);
                TextEncoding.prepare(l); // one character set for every text value, as for the node's other objects
                FileMetaInformation.addFileMetaInformation(l, TransferSyntax.ExplicitVRLittleEndian, "SRI_NODE");
                l.write(out.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
            } catch (DicomException e) {
                throw new IOException("cannot write " + out + ": " + e.getMessage(), e);
            }
            files.add(out);
        }
        return files;
    }

    private static AttributeList header(SeriesSpec spec, Slice s, String sop, int width, int height, double slope)
            throws DicomException {
        AttributeList l = new AttributeList();
        String today = java.time.LocalDate.now().format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
        put(l, new UniqueIdentifierAttribute(TagFromName.SOPClassUID), SOPClass.MRImageStorage);
        put(l, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), sop);
        put(l, new UniqueIdentifierAttribute(TagFromName.StudyInstanceUID), spec.studyUid());
        put(l, new UniqueIdentifierAttribute(TagFromName.SeriesInstanceUID), spec.seriesUid());
        put(l, new UniqueIdentifierAttribute(TagFromName.FrameOfReferenceUID), spec.frameOfReferenceUid());
        put(l, new PersonNameAttribute(TagFromName.PatientName), spec.patientName());
        put(l, new LongStringAttribute(TagFromName.PatientID), spec.patientId());
        put(l, new DateAttribute(TagFromName.PatientBirthDate), "");
        put(l, new CodeStringAttribute(TagFromName.PatientSex), "O");
        put(l, new DateAttribute(TagFromName.StudyDate), today);
        put(l, new TimeAttribute(TagFromName.StudyTime), "120000");
        put(l, new DateAttribute(TagFromName.ContentDate), today);
        put(l, new TimeAttribute(TagFromName.ContentTime), "120000");
        put(l, new PersonNameAttribute(TagFromName.ReferringPhysicianName), "");
        put(l, new ShortStringAttribute(TagFromName.StudyID), "1");
        put(l, new ShortStringAttribute(TagFromName.AccessionNumber), "");
        put(l, new LongStringAttribute(TagFromName.StudyDescription), "sri-node demo");
        put(l, new CodeStringAttribute(TagFromName.Modality), "MR");
        put(l, new LongStringAttribute(TagFromName.Manufacturer), "sri-node simulator");
        put(l, new LongStringAttribute(TagFromName.SeriesDescription), spec.description());
        put(l, new IntegerStringAttribute(TagFromName.SeriesNumber), Integer.toString(spec.seriesNumber()));
        put(l, new IntegerStringAttribute(TagFromName.InstanceNumber), Integer.toString(s.instanceNumber()));
        put(l, new IntegerStringAttribute(tag("ImagesInAcquisition")), Integer.toString(spec.imagesInAcquisition()));
        put(l, new CodeStringAttribute(TagFromName.PatientPosition), "HFS");
        put(l, new CodeStringAttribute(TagFromName.BodyPartExamined), "BRAIN");
        put(l, new LongStringAttribute(TagFromName.PositionReferenceIndicator), "");
        put(l, new CodeStringAttribute(TagFromName.ImageType), "ORIGINAL\\PRIMARY\\M\\NONE");
        put(l, new CodeStringAttribute(tag("ScanningSequence")), "GR");
        put(l, new CodeStringAttribute(tag("SequenceVariant")), "SP");
        put(l, new CodeStringAttribute(tag("ScanOptions")), "");
        put(l, new CodeStringAttribute(TagFromName.MRAcquisitionType), "2D");
        put(l, new DecimalStringAttribute(TagFromName.RepetitionTime), "500");
        put(l, new DecimalStringAttribute(TagFromName.EchoTime), "15");
        put(l, new IntegerStringAttribute(TagFromName.EchoTrainLength), "1");
        if (spec.fieldStrengthTesla() != null) {
            put(l, new DecimalStringAttribute(tag("MagneticFieldStrength")), fmt(spec.fieldStrengthTesla()));
        }
        put(l, new DecimalStringAttribute(TagFromName.SliceThickness), fmt(spec.sliceThicknessMm()));
        put(
                l,
                new DecimalStringAttribute(TagFromName.PixelSpacing),
                fmt(spec.pixelSpacingMm()) + "\\" + fmt(spec.pixelSpacingMm()));
        double x0 = -spec.pixelSpacingMm() * (width - 1) / 2.0;
        double y0 = -spec.pixelSpacingMm() * (height - 1) / 2.0;
        put(
                l,
                new DecimalStringAttribute(TagFromName.ImagePositionPatient),
                fmt(x0) + "\\" + fmt(y0) + "\\" + fmt(s.zMm()));
        put(l, new DecimalStringAttribute(TagFromName.ImageOrientationPatient), "1\\0\\0\\0\\1\\0");
        put(l, new DecimalStringAttribute(TagFromName.SliceLocation), fmt(s.zMm()));
        put(l, new UnsignedShortAttribute(TagFromName.SamplesPerPixel), "1");
        put(l, new CodeStringAttribute(TagFromName.PhotometricInterpretation), "MONOCHROME2");
        put(l, new UnsignedShortAttribute(TagFromName.Rows), Integer.toString(height));
        put(l, new UnsignedShortAttribute(TagFromName.Columns), Integer.toString(width));
        put(l, new UnsignedShortAttribute(TagFromName.BitsAllocated), "16");
        put(l, new UnsignedShortAttribute(TagFromName.BitsStored), "16");
        put(l, new UnsignedShortAttribute(TagFromName.HighBit), "15");
        put(l, new UnsignedShortAttribute(TagFromName.PixelRepresentation), "0");
        put(l, new DecimalStringAttribute(TagFromName.RescaleIntercept), "0");
        put(l, new DecimalStringAttribute(TagFromName.RescaleSlope), fmt(slope));
        put(l, new LongStringAttribute(TagFromName.RescaleType), "US");
        return l;
    }

    private static String fmt(double v) {
        String s = String.format(Locale.ROOT, "%.6g", v);
        if (s.contains("e") || s.contains("E")) {
            s = String.format(Locale.ROOT, "%.10f", v);
        }
        s = s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        return s.length() > 16 ? s.substring(0, 16) : s;
    }
}
