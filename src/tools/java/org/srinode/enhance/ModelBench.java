package org.srinode.enhance;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/** Inference speed of a model through DJL, and the convolution throughput of the same libtorch as a ceiling. */
public final class ModelBench {
    private ModelBench() {}

    /**
     * Milliseconds of forward passes on an n x 1 x h x w input: {first call, median after 3 warm-up
     * passes, first call after a change of input shape}. The first calls include the TorchScript
     * profiling executor's work for a new shape.
     */
    public static double[] timesMs(Path modelDir, int n, int h, int w, int runs) throws Exception {
        try (Enhancer e = Enhancer.load(modelDir, new EnhancerOptions(InferenceDevice.CPU, 1, Math.max(h, w), 0, n))) {
            float[] lq = new float[n * h * w];
            Random r = new Random(1);
            for (int i = 0; i < lq.length; i++) {
                lq[i] = r.nextFloat();
            }
            TileBatch b = new TileBatch(lq, new float[lq.length], n, h, w);
            long t0 = System.nanoTime();
            e.predict(b);
            double first = (System.nanoTime() - t0) / 1e6;
            double median = median(runs, () -> e.predict(b));
            TileBatch other = new TileBatch(
                    java.util.Arrays.copyOf(lq, n * (h - 8) * w), new float[n * (h - 8) * w], n, h - 8, w);
            t0 = System.nanoTime();
            e.predict(other);
            double reshaped = (System.nanoTime() - t0) / 1e6;
            return new double[] {first, median, reshaped};
        }
    }

    /** GFLOP/s of a 256 -> 256 channel 3x3 convolution on 64 x 64 through DJL's libtorch (the practical ceiling). */
    public static double convGflops(int runs) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = m.randomUniform(0, 1, new Shape(1, 256, 64, 64));
            NDArray wgt = m.randomUniform(-0.05f, 0.05f, new Shape(256, 256, 3, 3));
            NDArray bias = m.zeros(new Shape(256));
            double ms = median(runs, () -> {
                try (NDList out = Conv2d.conv2d(x, wgt, bias, new Shape(1, 1), new Shape(1, 1))) {
                    out.singletonOrThrow().toFloatArray();
                }
            });
            double gflop = 2.0 * 9 * 256 * 256 * 64 * 64 / 1e9;
            return gflop / (ms / 1000.0);
        }
    }

    private interface Run {
        void run() throws Exception;
    }

    private static double median(int runs, Run r) throws Exception {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    }
}
