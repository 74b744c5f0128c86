package org.srinode.dicom;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.srinode.volume.Volume;

/**
 * Reads a folder holding one single-frame DICOM series into a volume: slices ordered along the slice
 * normal (Image Orientation/Position Patient, else Instance Number), Rescale Slope/Intercept applied.
 * Files that are not DICOM, multi-frame, or of another size than the first image are left out.
 */
public final class DicomSeriesReader {
    private DicomSeriesReader() {}

    public static Volume read(Path folder) throws IOException {
        List<ImageHeader> images = new ArrayList<>(SeriesFiles.headers(folder).stream()
                .filter(h -> h.hasPixelData() && h.frames() == 1 && h.samplesPerPixel() == 1 && h.rows() > 0)
                .toList());
        if (images.isEmpty()) {
            throw new IOException(folder + ": no single-frame DICOM image with pixel data");
        }
        images = new ArrayList<>(SeriesFiles.alongNormal(images));
        ImageHeader first = images.get(0);
        List<float[]> slices = new ArrayList<>();
        List<ImageHeader> used = new ArrayList<>();
        for (ImageHeader h : images) {
            if (h.rows() == first.rows() && h.columns() == first.columns()) {
                try {
                    slices.add(SeriesFiles.pixels(Path.of(h.file())));
                    used.add(h);
                } catch (InvalidDicomException e) {
                    // undecodable slice: left out, as the class comment says
                }
            }
        }
        if (slices.isEmpty()) {
            throw new IOException(folder + ": no decodable image");
        }
        int n = first.rows() * first.columns();
        float[] data = new float[Volume.voxels(first.rows(), first.columns(), slices.size())];
        for (int z = 0; z < slices.size(); z++) {
            System.arraycopy(slices.get(z), 0, data, z * n, n);
        }
        double dz = used.size() > 1
                ? Math.abs(SeriesFiles.positionAlongNormal(used.get(used.size() - 1))
                                - SeriesFiles.positionAlongNormal(used.get(0)))
                        / (used.size() - 1)
                : 0;
        if (dz == 0 && first.sliceThickness() != null) {
            dz = first.sliceThickness();
        }
        double[] ps = first.pixelSpacing() == null ? new double[] {0, 0} : first.pixelSpacing();
        return new Volume(first.columns(), first.rows(), slices.size(), data, ps[1], ps[0], dz);
    }
}
