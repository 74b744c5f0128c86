package org.srinode.imaging;

/** 2D image operations of the evaluation protocols; images are row-major float arrays. */
public final class Images {
    private Images() {}

    /** Separable Gaussian blur, kernel radius ceil(3 sigma), reflected borders. */
    public static float[] gaussianBlur(float[] img, int w, int h, double sigma) {
        int r = (int) Math.ceil(3 * sigma);
        double[] k = gaussianKernel(r, sigma);
        float[] tmp = new float[w * h];
        float[] out = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double a = 0;
                for (int i = -r; i <= r; i++) {
                    a += k[i + r] * img[y * w + reflect(x + i, w)];
                }
                tmp[y * w + x] = (float) a;
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double a = 0;
                for (int i = -r; i <= r; i++) {
                    a += k[i + r] * tmp[reflect(y + i, h) * w + x];
                }
                out[y * w + x] = (float) a;
            }
        }
        return out;
    }

    /** Normalised 1D Gaussian weights for offsets -radius..radius. */
    public static double[] gaussianKernel(int radius, double sigma) {
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-0.5 * i * i / (sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }

    static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        while (i < 0 || i >= n) {
            i = i < 0 ? -i : 2 * (n - 1) - i;
        }
        return i;
    }

    /** Mean of each s x s block (the image must be a multiple of s in both directions). */
    public static float[] areaDown(float[] img, int w, int h, int s) {
        int ow = w / s;
        int oh = h / s;
        float[] out = new float[ow * oh];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                double a = 0;
                for (int dy = 0; dy < s; dy++) {
                    for (int dx = 0; dx < s; dx++) {
                        a += img[(y * s + dy) * w + x * s + dx];
                    }
                }
                out[y * ow + x] = (float) (a / (s * s));
            }
        }
        return out;
    }

    /** Bicubic upsampling by s, as PyTorch's interpolate(mode="bicubic", align_corners=False): A = -0.75, edge clamp. */
    public static float[] bicubicUp(float[] img, int w, int h, int s) {
        int ow = w * s;
        int oh = h * s;
        float[] tmp = new float[ow * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < ow; x++) {
                double src = (x + 0.5) / s - 0.5;
                int x0 = (int) Math.floor(src);
                double t = src - x0;
                double a = 0;
                for (int i = -1; i <= 2; i++) {
                    a += cubic(i - t) * img[y * w + clamp(x0 + i, w)];
                }
                tmp[y * ow + x] = (float) a;
            }
        }
        float[] out = new float[ow * oh];
        for (int y = 0; y < oh; y++) {
            double src = (y + 0.5) / s - 0.5;
            int y0 = (int) Math.floor(src);
            double t = src - y0;
            for (int x = 0; x < ow; x++) {
                double a = 0;
                for (int i = -1; i <= 2; i++) {
                    a += cubic(i - t) * tmp[clamp(y0 + i, h) * ow + x];
                }
                out[y * ow + x] = (float) a;
            }
        }
        return out;
    }

    private static double cubic(double x) {
        double a = -0.75;
        x = Math.abs(x);
        if (x <= 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        }
        return 0;
    }

    private static int clamp(int i, int n) {
        return i < 0 ? 0 : Math.min(i, n - 1);
    }

    /** Nearest-neighbour upsampling (masks, LQ display). */
    public static float[] nearestUp(float[] img, int w, int h, int s) {
        float[] out = new float[w * s * h * s];
        for (int y = 0; y < h * s; y++) {
            for (int x = 0; x < w * s; x++) {
                out[y * w * s + x] = img[(y / s) * w + x / s];
            }
        }
        return out;
    }

    /**
     * Harmonic inpainting: the masked pixels become the solution of Laplace's equation with the
     * surrounding pixels as boundary values (Gauss-Seidel with over-relaxation).
     */
    public static float[] inpaintHarmonic(float[] img, float[] mask, int w, int h) {
        float[] out = img.clone();
        int x0 = w;
        int y0 = h;
        int x1 = -1;
        int y1 = -1;
        double edge = 0;
        int edges = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask[y * w + x] > 0.5f) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x);
                    y1 = Math.max(y1, y);
                } else if (touches(mask, w, h, x, y)) {
                    edge += img[y * w + x];
                    edges++;
                }
            }
        }
        if (x1 < 0) {
            return out;
        }
        float start = edges == 0 ? 0f : (float) (edge / edges);
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                if (mask[y * w + x] > 0.5f) {
                    out[y * w + x] = start;
                }
            }
        }
        int iterations = 4 * Math.max(x1 - x0 + 1, y1 - y0 + 1) + 50;
        double omega = 1.8;
        for (int it = 0; it < iterations; it++) {
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    int i = y * w + x;
                    if (mask[i] <= 0.5f) {
                        continue;
                    }
                    double s = 0;
                    int n = 0;
                    if (x > 0) {
                        s += out[i - 1];
                        n++;
                    }
                    if (x < w - 1) {
                        s += out[i + 1];
                        n++;
                    }
                    if (y > 0) {
                        s += out[i - w];
                        n++;
                    }
                    if (y < h - 1) {
                        s += out[i + w];
                        n++;
                    }
                    out[i] = (float) (out[i] + omega * (s / n - out[i]));
                }
            }
        }
        return out;
    }

    private static boolean touches(float[] mask, int w, int h, int x, int y) {
        return (x > 0 && mask[y * w + x - 1] > 0.5f)
                || (x < w - 1 && mask[y * w + x + 1] > 0.5f)
                || (y > 0 && mask[(y - 1) * w + x] > 0.5f)
                || (y < h - 1 && mask[(y + 1) * w + x] > 0.5f);
    }
}
