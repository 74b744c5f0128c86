package org.srinode.enhance;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.srinode.volume.Volume;

/**
 * Runs the exported HLH-GAN generator F on volumes: per-volume intensity normalisation, tiling with
 * overlap and blending, batching, optionally a geometric self-ensemble ({@link EnhancerOptions#selfEnsemble}), a pool
 * of predictors (one per concurrent caller), CPU or GPU.
 */
public final class Enhancer implements AutoCloseable {
    private final ModelConfig config;
    private final EnhancerOptions options;
    private final ZooModel<TileBatch, float[]> model;
    private final BlockingQueue<Predictor<TileBatch, float[]>> pool;
    private final List<Predictor<TileBatch, float[]>> all = new ArrayList<>();

    private Enhancer(ModelConfig config, EnhancerOptions options, ZooModel<TileBatch, float[]> model) {
        this.config = config;
        this.options = options;
        this.model = model;
        this.pool = new ArrayBlockingQueue<>(options.poolSize());
        for (int i = 0; i < options.poolSize(); i++) {
            Predictor<TileBatch, float[]> p = model.newPredictor();
            all.add(p);
            pool.add(p);
        }
    }

    /** Loads a model folder (config.json + TorchScript). Never downloads anything. */
    public static Enhancer load(Path dir, EnhancerOptions options) throws IOException {
        ModelConfig cfg = ModelConfig.read(dir);
        String file = cfg.file();
        String name = file.endsWith(".pt") ? file.substring(0, file.length() - 3) : file;
        Criteria<TileBatch, float[]> criteria = Criteria.builder()
                .setTypes(TileBatch.class, float[].class)
                .optModelPath(dir)
                .optModelName(name)
                .optEngine("PyTorch")
                .optDevice(device(options.device()))
                .optTranslator(new SliceTranslator())
                .build();
        try {
            return new Enhancer(cfg, options, criteria.loadModel());
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IOException("cannot load the model in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Device device(InferenceDevice choice) {
        return switch (choice) {
            case CPU -> Device.cpu();
            case GPU -> Device.gpu();
            case AUTO -> Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        };
    }

    public ModelConfig config() {
        return config;
    }

    public String deviceName() {
        return model.getNDManager().getDevice().toString();
    }

    /**
     * Enhances every slice of {@code lq}. {@code mask} (same shape, 1 = missing) may be null. The
     * result has {@code scale} times the rows and columns, the same slices, and the source value range.
     */
    public Volume enhance(Volume lq, Volume mask, ProgressListener progress)
            throws InterruptedException, TranslateException {
        if (mask != null
                && (mask.width() != lq.width() || mask.height() != lq.height() || mask.depth() != lq.depth())) {
            throw new IllegalArgumentException("mask and volume differ in shape");
        }
        int s = config.scale();
        Intensity in = Intensity.of(lq.data(), config.percentile());
        Tiling tiling = new Tiling(lq.width(), lq.height(), options.tile(), options.overlap());
        int outW = lq.width() * s;
        int outH = lq.height() * s;
        float[] result = new float[Volume.voxels(outW, outH, lq.depth())];
        int perSlice = tiling.tiles.size();
        int tileSize = tiling.tileW * tiling.tileH;
        int items = perSlice * lq.depth();
        // work items (slice, tile) in slice order, batched across slices: a slice that fits one tile (the
        // default up to 512x512) is one item, so a batch holds several slices and every pass has the same shape
        java.util.Map<Integer, float[][]> open = new java.util.HashMap<>(); // z -> {normalised, mask, acc, weight}
        Predictor<TileBatch, float[]> predictor = pool.take();
        try {
            int perPass = Math.max(1, Math.min(options.batchSize(), PASS_PIXELS / tileSize));
            for (int first = 0; first < items; first += perPass) {
                int n = Math.min(perPass, items - first);
                float[] lqBatch = new float[n * tileSize];
                float[] maskBatch = new float[n * tileSize];
                for (int i = 0; i < n; i++) {
                    int z = (first + i) / perSlice;
                    float[][] st = open.computeIfAbsent(z, k -> new float[][] {
                        normalised(lq, k, in),
                        mask == null ? new float[lq.sliceSize()] : mask.slice(k),
                        new float[outW * outH],
                        new float[outW * outH]
                    });
                    Tiling.Tile t = tiling.tiles.get((first + i) % perSlice);
                    tiling.cut(st[0], t, lqBatch, i * tileSize);
                    tiling.cut(st[1], t, maskBatch, i * tileSize);
                }
                float[] out = ensemble(predictor, new TileBatch(lqBatch, maskBatch, n, tiling.tileH, tiling.tileW), s);
                for (int i = 0; i < n; i++) {
                    int item = first + i;
                    int z = item / perSlice;
                    float[][] st = open.get(z);
                    tiling.blend(out, i * tileSize * s * s, tiling.tiles.get(item % perSlice), s, st[2], st[3]);
                    if (item % perSlice == perSlice - 1) {
                        finish(lq, z, in, s, st[2], st[3], result);
                        open.remove(z);
                        progress.progress(z + 1, lq.depth());
                    }
                }
            }
        } finally {
            pool.put(predictor);
        }
        return new Volume(outW, outH, lq.depth(), result, lq.spacingX() / s, lq.spacingY() / s, lq.spacingZ());
    }

    /**
     * Low-resolution pixels per forward pass beyond which batching more tiles costs more per pixel on a
     * CPU (measured with the default model through DJL on 2 cores, ModelBench.timesMs: one 256x256 slice
     * 0.38 to 0.54 s, two in one pass 1.2 to 1.5 s, four 3.1 to 3.9 s; four 128x128 tiles 0.39 to 0.83 s).
     */
    static final int PASS_PIXELS = 256 * 256;

    /** The finished slice z: blended tiles, back to the input's intensities, plus the excess above the mapped range. */
    private void finish(Volume lq, int z, Intensity in, int s, float[] acc, float[] weight, float[] result) {
        float[] excess = Resample.bilinear(excessOf(lq, z, in), lq.width(), lq.height(), s);
        int base = z * acc.length;
        for (int i = 0; i < acc.length; i++) {
            result[base + i] = in.restore(acc[i] / weight[i]) + excess[i];
        }
    }

    /**
     * The batch enhanced in each orientation of the self-ensemble and averaged ({@link SelfEnsemble}); one forward
     * pass when the ensemble is 1. Output: n tiles of (scale * height) x (scale * width), row-major.
     */
    private float[] ensemble(Predictor<TileBatch, float[]> predictor, TileBatch batch, int scale)
            throws TranslateException {
        int[] turns = SelfEnsemble.orientations(options.selfEnsemble());
        if (turns.length == 1) {
            return finite(predictor, batch);
        }
        int oh = batch.height() * scale;
        int ow = batch.width() * scale;
        float[] acc = new float[batch.n() * oh * ow];
        for (int t : turns) {
            SelfEnsemble.addBack(finite(predictor, SelfEnsemble.turn(batch, t)), t, batch.n(), oh, ow, acc);
        }
        for (int i = 0; i < acc.length; i++) {
            acc[i] /= turns.length;
        }
        return acc;
    }

    /** {@link #ensemble} with a predictor of the pool: normalised tiles in, upscaled tiles out (for tests). */
    float[] ensemble(TileBatch batch) throws InterruptedException, TranslateException {
        Predictor<TileBatch, float[]> predictor = pool.take();
        try {
            return ensemble(predictor, batch, config.scale());
        } finally {
            pool.put(predictor);
        }
    }

    /** Orientations each tile is enhanced in and averaged (1: none; see {@link SelfEnsemble}). */
    public int selfEnsemble() {
        return options.selfEnsemble();
    }

    /** Attempts of one batch whose output holds NaN or infinity before the enhancement fails. */
    static final int FINITE_ATTEMPTS = 3;

    /**
     * One forward pass whose output is all finite: a math library can return a NaN tensor at random
     * (seen with oneDNN's AVX-512 kernels on AMD EPYC), so a non-finite output is computed again, and
     * after {@link #FINITE_ATTEMPTS} the enhancement fails rather than writing it.
     */
    private static float[] finite(Predictor<TileBatch, float[]> predictor, TileBatch batch) throws TranslateException {
        for (int attempt = 1; ; attempt++) {
            float[] out = predictor.predict(batch);
            boolean ok = true;
            for (float v : out) {
                if (!Float.isFinite(v)) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                return out;
            }
            if (attempt >= FINITE_ATTEMPTS) {
                throw new IllegalStateException(
                        "the model returned non-finite values " + attempt + " times for the same tiles");
            }
        }
    }

    /** One forward pass of F on already normalised tiles (no tiling, no intensity mapping). */
    public float[] predict(TileBatch batch) throws InterruptedException, TranslateException {
        Predictor<TileBatch, float[]> predictor = pool.take();
        try {
            return predictor.predict(batch);
        } finally {
            pool.put(predictor);
        }
    }

    private static float[] normalised(Volume v, int z, Intensity in) {
        float[] s = v.slice(z);
        for (int i = 0; i < s.length; i++) {
            s[i] = in.normalise(s[i]);
        }
        return s;
    }

    private static float[] excessOf(Volume v, int z, Intensity in) {
        float[] s = v.slice(z);
        for (int i = 0; i < s.length; i++) {
            s[i] = in.excess(s[i]);
        }
        return s;
    }

    @Override
    public void close() {
        all.forEach(Predictor::close);
        model.close();
    }
}
