package org.srinode.evaluate;

import org.srinode.imaging.Images;

/** PSNR and SSIM (11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03) on [0, 1] images, inside a region. */
public final class Metrics {
    private static final int RADIUS = 5;
    private static final double SIGMA = 1.5;
    private static final double C1 = Math.pow(0.01, 2);
    private static final double C2 = Math.pow(0.03, 2);

    private Metrics() {}

    /** PSNR in dB over the pixels where {@code region} is set (data range 1). Infinite when identical. */
    public static double psnr(float[] a, float[] b, boolean[] region) {
        double se = 0;
        long n = 0;
        for (int i = 0; i < a.length; i++) {
            if (region[i]) {
                double d = a[i] - b[i];
                se += d * d;
                n++;
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        return se == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(1.0 / (se / n));
    }

    /** Mean of the SSIM map over the pixels where {@code region} is set. */
    public static double ssim(float[] a, float[] b, int w, int h, boolean[] region) {
        double[] k = Images.gaussianKernel(RADIUS, SIGMA);
        double total = 0;
        long n = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!region[y * w + x]) {
                    continue;
                }
                double ma = 0;
                double mb = 0;
                double saa = 0;
                double sbb = 0;
                double sab = 0;
                double wsum = 0;
                for (int dy = -RADIUS; dy <= RADIUS; dy++) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= h) {
                        continue;
                    }
                    for (int dx = -RADIUS; dx <= RADIUS; dx++) {
                        int xx = x + dx;
                        if (xx < 0 || xx >= w) {
                            continue;
                        }
                        double wt = k[dy + RADIUS] * k[dx + RADIUS];
                        double va = a[yy * w + xx];
                        double vb = b[yy * w + xx];
                        wsum += wt;
                        ma += wt * va;
                        mb += wt * vb;
                        saa += wt * va * va;
                        sbb += wt * vb * vb;
                        sab += wt * va * vb;
                    }
                }
                ma /= wsum;
                mb /= wsum;
                double va = saa / wsum - ma * ma;
                double vb = sbb / wsum - mb * mb;
                double cov = sab / wsum - ma * mb;
                total += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
                n++;
            }
        }
        return n == 0 ? Double.NaN : total / n;
    }
}
