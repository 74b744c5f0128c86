package org.srinode.enhance;

/** Plain image resampling used around the model. */
public final class Resample {
    private Resample() {}

    /** Bilinear upsampling by an integer factor, pixel centres aligned as in PyTorch's align_corners=False. */
    public static float[] bilinear(float[] src, int w, int h, int s) {
        int ow = w * s;
        int oh = h * s;
        float[] out = new float[ow * oh];
        for (int y = 0; y < oh; y++) {
            float fy = Math.max(0f, (y + 0.5f) / s - 0.5f);
            int y0 = Math.min((int) fy, h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            float ay = fy - y0;
            for (int x = 0; x < ow; x++) {
                float fx = Math.max(0f, (x + 0.5f) / s - 0.5f);
                int x0 = Math.min((int) fx, w - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                float ax = fx - x0;
                float top = src[y0 * w + x0] * (1 - ax) + src[y0 * w + x1] * ax;
                float bottom = src[y1 * w + x0] * (1 - ax) + src[y1 * w + x1] * ax;
                out[y * ow + x] = top * (1 - ay) + bottom * ay;
            }
        }
        return out;
    }
}
