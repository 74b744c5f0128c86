package org.srinode.dicom;

import static org.srinode.dicom.AttributeValues.doubles;
import static org.srinode.dicom.AttributeValues.integer;
import static org.srinode.dicom.AttributeValues.number;
import static org.srinode.dicom.AttributeValues.readHeader;
import static org.srinode.dicom.AttributeValues.tag;
import static org.srinode.dicom.AttributeValues.text;
import static org.srinode.dicom.AttributeValues.values;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.srinode.volume.Volume;

/** Reads the headers and the pixels of the Part 10 files of one series into the project's records. */
public final class SeriesFiles {
    private static final AttributeTag IMAGES_IN_ACQUISITION = tag("ImagesInAcquisition");
    private static final AttributeTag MAGNETIC_FIELD_STRENGTH = tag("MagneticFieldStrength");

    private SeriesFiles() {}

    /** Headers of every readable DICOM file in a folder (unreadable files are left out), in file-name order. */
    public static List<ImageHeader> headers(Path folder) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        List<ImageHeader> out = new ArrayList<>();
        for (Path f : files) {
            try {
                out.add(header(f));
            } catch (InvalidDicomException e) {
                // not DICOM: not part of the series
            }
        }
        return out;
    }

    /** The series' slice order ({@link SliceOrder}: along the normal, Instance Number when geometry is missing). */
    public static java.util.List<ImageHeader> alongNormal(java.util.List<ImageHeader> images) {
        return SliceOrder.of(images).ordered();
    }

    /** Unit normal of the image plane (row direction x column direction), or null without orientation. */
    public static double[] normal(ImageHeader h) {
        return SliceOrder.normal(h);
    }

    /** Position along the slice normal, or the Instance Number when the geometry is missing. */
    public static double positionAlongNormal(ImageHeader h) {
        double[] o = h.orientation();
        double[] p = h.position();
        if (o == null || p == null) {
            return h.instanceNumber() == null ? 0 : h.instanceNumber();
        }
        double[] n = SliceOrder.normal(h);
        return n == null ? (h.instanceNumber() == null ? 0 : h.instanceNumber()) : SliceOrder.along(n, h);
    }

    /**
     * The image header of one Part 10 file, read up to Pixel Data ({@link AttributeValues#readHeader}).
     *
     * @throws InvalidDicomException naming the file when it cannot be parsed
     */
    public static ImageHeader header(Path file) throws InvalidDicomException {
        AttributeValues.Header read = readHeader(file);
        AttributeList list = read.list();
        boolean hasPixels = read.pixelDataFollows();
        String sopClass = text(list, TagFromName.SOPClassUID);
        return new ImageHeader(
                file.toString(),
                text(list, TagFromName.SeriesInstanceUID),
                text(list, TagFromName.SOPInstanceUID),
                sopClass,
                text(list, TagFromName.Modality),
                values(list, TagFromName.ImageType),
                text(list, TagFromName.SeriesDescription),
                text(list, TagFromName.PhotometricInterpretation),
                Attribute.getSingleIntegerValueOrDefault(list, TagFromName.SamplesPerPixel, 1),
                Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0),
                Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0),
                Attribute.getSingleIntegerValueOrDefault(list, TagFromName.NumberOfFrames, 1),
                doubles(list, TagFromName.PixelSpacing, 2),
                number(list, TagFromName.SliceThickness),
                number(list, TagFromName.SpacingBetweenSlices),
                doubles(list, TagFromName.ImageOrientationPatient, 6),
                doubles(list, TagFromName.ImagePositionPatient, 3),
                integer(list, TagFromName.InstanceNumber),
                integer(list, IMAGES_IN_ACQUISITION),
                tesla(number(list, MAGNETIC_FIELD_STRENGTH)),
                !sopClass.isEmpty() && SOPClass.isImageStorage(sopClass),
                hasPixels,
                contributingManufacturers(list));
    }

    /** Manufacturer of each Contributing Equipment Sequence item (PS3.3 C.12.1.1.5), in order; empty when absent. */
    private static List<String> contributingManufacturers(AttributeList list) {
        if (!(list.get(TagFromName.ContributingEquipmentSequence)
                instanceof com.pixelmed.dicom.SequenceAttribute seq)) {
            return List.of();
        }
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < seq.getNumberOfItems(); i++) {
            out.add(text(seq.getItem(i).getAttributeList(), TagFromName.Manufacturer));
        }
        return out;
    }

    /** Pixels of a single-frame greyscale image as floats (rescale applied); throws when they cannot be decoded. */
    public static float[] pixels(Path file) throws InvalidDicomException {
        AttributeList list = new AttributeList();
        try {
            // stop once Pixel Data is read: some files carry trailing padding that PixelMed would parse as
            // thousands of empty elements, each reported on stderr
            list.read(file.toString(), (l, tag, offset) -> l.get(TagFromName.PixelData) != null);
            Attribute pd = list.getPixelData();
            // the header's sizes are checked against the pixel data before anything is allocated from them
            int n = Volume.voxels(
                    Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0),
                    Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0),
                    1);
            if (pd == null || n == 0) {
                throw new InvalidDicomException("no pixel data");
            }
            boolean signed = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.PixelRepresentation, 0) == 1;
            float[] px;
            if (Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsAllocated, 16) > 8) {
                short[] v = pd.getShortValues();
                if (v == null || v.length < n) {
                    throw new InvalidDicomException(
                            "pixel data holds " + (v == null ? 0 : v.length) + " of " + n + " pixels");
                }
                px = new float[n];
                for (int i = 0; i < n; i++) {
                    px[i] = signed ? v[i] : v[i] & 0xffff;
                }
            } else {
                byte[] v = pd.getByteValues();
                if (v == null || v.length < n) {
                    throw new InvalidDicomException(
                            "pixel data holds " + (v == null ? 0 : v.length) + " of " + n + " pixels");
                }
                px = new float[n];
                for (int i = 0; i < n; i++) {
                    px[i] = signed ? v[i] : v[i] & 0xff;
                }
            }
            double slope = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.RescaleSlope, 1.0);
            double intercept = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.RescaleIntercept, 0.0);
            if (slope != 1.0 || intercept != 0.0) {
                for (int i = 0; i < n; i++) {
                    px[i] = (float) (px[i] * (slope == 0 ? 1 : slope) + intercept);
                }
            }
            return px;
        } catch (IOException | DicomException | RuntimeException e) {
            // PixelMed's image readers say "No reader for <codec> available for Transfer Syntax <uid>"
            if (e.getMessage() != null && e.getMessage().startsWith("No reader for")) {
                throw new NoDecoderException("pixel data cannot be decoded: " + e.getMessage(), e);
            }
            throw new InvalidDicomException("pixel data cannot be decoded: " + e.getMessage(), e);
        }
    }

    /** Field strength is stored in tesla; some scanners write gauss (e.g. 15000): values above 100 are converted. */
    static Double tesla(Double v) {
        if (v == null) {
            return null;
        }
        return v > 100 ? v / 10000.0 : v;
    }
}
