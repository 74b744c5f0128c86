package org.srinode.enhance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.srinode.volume.Nifti;
import org.srinode.volume.Volume;

/**
 * Gated accuracy run (-Dsri.slow=true): slices removed from the validation volume IXI014 are filled by
 * the default model through reformats and by linear interpolation; PSNR of both against the truth.
 */
class SliceFillingAccuracyTest {
    @Test
    void modelFillingAgainstLinearInterpolation() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("sri.slow"), "gated: -Dsri.slow=true");
        Path f = Path.of(
                System.getProperty("sri.shared", "../shared"),
                "data/mri/github-CBICA-CCL_NMF_Prediction-IXI-T1-2mm/IXI014-HH-1236-T1_ds.nii.gz");
        Assumptions.assumeTrue(Files.exists(f));
        Volume v = Nifti.read(f);
        int[] removed = {30, 45, 46, 60};
        int n = v.width() * v.height();
        float[] kept = new float[n * (v.depth() - removed.length)];
        int k = 0;
        for (int z = 0; z < v.depth(); z++) {
            int zz = z;
            if (java.util.Arrays.stream(removed).noneMatch(r -> r == zz)) {
                System.arraycopy(v.data(), z * n, kept, k++ * n, n);
            }
        }
        Volume stack = new Volume(v.width(), v.height(), v.depth() - removed.length, kept, 2, 2, 2);
        try (Enhancer e = Enhancer.load(Path.of("models/sri-default-x2"), EnhancerOptions.defaults())) {
            SliceFiller.Filled filled = SliceFiller.fill(
                    e,
                    stack,
                    List.of(new SliceFiller.Gap(29, 1), new SliceFiller.Gap(43, 2), new SliceFiller.Gap(56, 1)));
            float max = 0;
            for (float x : v.data()) {
                max = Math.max(max, x);
            }
            double seModel = 0;
            double seLinear = 0;
            long count = 0;
            for (int z : removed) {
                int lo = z - 1;
                int hi = z + 1;
                while (contains(removed, lo)) {
                    lo--;
                }
                while (contains(removed, hi)) {
                    hi++;
                }
                double t = (z - lo) / (double) (hi - lo);
                for (int i = 0; i < n; i++) {
                    float truth = v.data()[z * n + i] / max;
                    float lin = (float) ((1 - t) * v.data()[lo * n + i] + t * v.data()[hi * n + i]) / max;
                    float mod = filled.volume().data()[z * n + i] / max;
                    seModel += (mod - truth) * (mod - truth);
                    seLinear += (lin - truth) * (lin - truth);
                    count++;
                }
            }
            double psnrModel = 10 * Math.log10(count / seModel);
            double psnrLinear = 10 * Math.log10(count / seLinear);
            System.out.printf(
                    Locale.ROOT,
                    "slice filling on IXI014 (slices %s removed): model %.2f dB, linear %.2f dB%n",
                    java.util.Arrays.toString(removed),
                    psnrModel,
                    psnrLinear);
            assertThat(psnrModel).isGreaterThan(10);
        }
    }

    private static boolean contains(int[] a, int v) {
        return java.util.Arrays.stream(a).anyMatch(x -> x == v);
    }
}
