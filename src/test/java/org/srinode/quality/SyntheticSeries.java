package org.srinode.quality;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.srinode.dicom.ImageHeader;
import org.srinode.volume.Nifti;
import org.srinode.volume.Volume;

/** An axial MR series made in memory from a real volume, to edit (remove slices, zero rectangles, change headers). */
final class SyntheticSeries {
    final List<ImageHeader> headers = new ArrayList<>();
    final Map<String, float[]> pixels = new HashMap<>();
    final int width;
    final int height;

    SyntheticSeries(Volume v, double spacing, double step, Double tesla) {
        width = v.width();
        height = v.height();
        float max = 0;
        for (float f : v.data()) {
            max = Math.max(max, f);
        }
        for (int z = 0; z < v.depth(); z++) {
            float[] s = v.slice(z);
            for (int i = 0; i < s.length; i++) {
                s[i] = Math.round(s[i] / max * 4000f); // 12-bit stored values, as a scanner writes them
            }
            String uid = "1.2.3.4." + (z + 1);
            headers.add(header(uid, z, spacing, step, tesla));
            pixels.put(uid, s);
        }
    }

    static SyntheticSeries ixi(double spacing, double step, Double tesla) throws Exception {
        Path f = Path.of(
                System.getProperty("sri.shared", "../shared"),
                "data/mri/github-CBICA-CCL_NMF_Prediction-IXI-T1-2mm/IXI014-HH-1236-T1_ds.nii.gz");
        org.junit.jupiter.api.Assumptions.assumeTrue(f.toFile().exists(), "shared data missing");
        return new SyntheticSeries(Nifti.read(f), spacing, step, tesla);
    }

    static ImageHeader header(String uid, int z, double spacing, double step, Double tesla) {
        return new ImageHeader(
                "mem:" + uid,
                "1.2.3",
                uid,
                "1.2.840.10008.5.1.4.1.1.4",
                "MR",
                List.of("ORIGINAL", "PRIMARY"),
                "T1 AX",
                "MONOCHROME2",
                1,
                120,
                120,
                1,
                new double[] {spacing, spacing},
                step,
                null,
                new double[] {1, 0, 0, 0, 1, 0},
                new double[] {-100, -100, z * step},
                z + 1,
                null,
                tesla,
                true,
                true,
                List.of());
    }

    /** Removes slices by their original index. */
    SyntheticSeries remove(int... zs) {
        for (int z : zs) {
            headers.removeIf(h -> h.instanceNumber() == z + 1);
        }
        return this;
    }

    void zero(int z, int x, int y, int w, int h) {
        float[] s = pixels.get("1.2.3.4." + (z + 1));
        for (int r = y; r < y + h; r++) {
            for (int c = x; c < x + w; c++) {
                s[r * width + c] = 0f;
            }
        }
    }

    PixelSource source() {
        return h -> {
            float[] p = pixels.get(h.sopInstanceUid());
            if (p == null) {
                throw new IllegalStateException("no pixels");
            }
            return p.clone();
        };
    }
}
