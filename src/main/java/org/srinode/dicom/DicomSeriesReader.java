package org.srinode.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.srinode.volume.Volume;

/**
 * Reads a folder holding one single-frame DICOM series into a volume: slices ordered along the slice
 * normal (Image Orientation/Position Patient), Rescale Slope/Intercept applied.
 */
public final class DicomSeriesReader {
    private DicomSeriesReader() {
    }

    private record Slice(double position, int instance, float[] pixels, int rows, int cols, double[] spacing) {
    }

    public static Volume read(Path folder) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        List<Slice> slices = new ArrayList<>();
        for (Path f : files) {
            Slice s = readSlice(f);
            if (s != null) {
                slices.add(s);
            }
        }
        if (slices.isEmpty()) {
            throw new IOException(folder + ": no single-frame DICOM image with pixel data");
        }
        slices.sort(Comparator.comparingDouble(Slice::position).thenComparingInt(Slice::instance));
        Slice first = slices.get(0);
        List<Slice> same = slices.stream().filter(s -> s.rows() == first.rows() && s.cols() == first.cols()).toList();
        float[] data = new float[first.rows() * first.cols() * same.size()];
        for (int z = 0; z < same.size(); z++) {
            System.arraycopy(same.get(z).pixels(), 0, data, z * first.rows() * first.cols(), first.rows() * first.cols());
        }
        double dz = same.size() > 1 ? Math.abs(same.get(same.size() - 1).position() - first.position()) / (same.size() - 1) : 0;
        if (dz == 0) {
            dz = first.spacing()[2];
        }
        return new Volume(first.cols(), first.rows(), same.size(), data, first.spacing()[1], first.spacing()[0], dz);
    }

    private static Slice readSlice(Path f) {
        AttributeList list = new AttributeList();
        try {
            list.read(f.toFile());
        } catch (IOException | DicomException | RuntimeException e) {
            return null;   // not DICOM or unreadable: not part of the series
        }
        Attribute pd = list.getPixelData();
        int rows = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0);
        int cols = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0);
        int frames = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.NumberOfFrames, 1);
        int samples = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.SamplesPerPixel, 1);
        if (pd == null || rows == 0 || cols == 0 || frames != 1 || samples != 1) {
            return null;
        }
        try {
            float[] px = new float[rows * cols];
            boolean signed = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.PixelRepresentation, 0) == 1;
            if (Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsAllocated, 16) > 8) {
                short[] v = pd.getShortValues();
                for (int i = 0; i < px.length; i++) {
                    px[i] = signed ? v[i] : v[i] & 0xffff;
                }
            } else {
                byte[] v = pd.getByteValues();
                for (int i = 0; i < px.length; i++) {
                    px[i] = signed ? v[i] : v[i] & 0xff;
                }
            }
            double slope = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.RescaleSlope, 1.0);
            double intercept = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.RescaleIntercept, 0.0);
            for (int i = 0; i < px.length; i++) {
                px[i] = (float) (px[i] * (slope == 0 ? 1 : slope) + intercept);
            }
            double[] ps = Attribute.getDoubleValues(list, TagFromName.PixelSpacing);
            double thickness = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.SliceThickness, 0);
            double[] spacing = {ps != null && ps.length == 2 ? ps[0] : 0, ps != null && ps.length == 2 ? ps[1] : 0, thickness};
            return new Slice(position(list), Attribute.getSingleIntegerValueOrDefault(list, TagFromName.InstanceNumber, 0), px,
                    rows, cols, spacing);
        } catch (DicomException e) {
            return null;
        }
    }

    private static double position(AttributeList list) {
        double[] o = Attribute.getDoubleValues(list, TagFromName.ImageOrientationPatient);
        double[] p = Attribute.getDoubleValues(list, TagFromName.ImagePositionPatient);
        if (o == null || o.length != 6 || p == null || p.length != 3) {
            return Attribute.getSingleIntegerValueOrDefault(list, TagFromName.InstanceNumber, 0);
        }
        double nx = o[1] * o[5] - o[2] * o[4];
        double ny = o[2] * o[3] - o[0] * o[5];
        double nz = o[0] * o[4] - o[1] * o[3];
        return nx * p[0] + ny * p[1] + nz * p[2];
    }
}
