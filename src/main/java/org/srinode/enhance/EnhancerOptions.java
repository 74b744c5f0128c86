package org.srinode.enhance;

/**
 * How inference runs.
 *
 * @param device       where the model runs
 * @param poolSize     predictors kept ready; that many series can be enhanced at the same time
 * @param tile         largest slice side in low-resolution pixels run in one pass; larger slices are cut into tiles of this side
 * @param overlap      overlap of neighbouring tiles, in low-resolution pixels
 * @param batchSize    tiles per forward pass; slices that fit one tile are batched several to a pass
 * @param selfEnsemble orientations each tile is enhanced in, averaged after turning the outputs back (1, 2, 4 or 8;
 *                     see {@link SelfEnsemble}); inference costs that many forward passes
 * @throws IllegalArgumentException when {@code selfEnsemble} is not 1, 2, 4 or 8
 */
public record EnhancerOptions(
        InferenceDevice device, int poolSize, int tile, int overlap, int batchSize, int selfEnsemble) {
    public EnhancerOptions {
        checkSelfEnsemble(selfEnsemble);
    }

    /**
     * Checks a self-ensemble size.
     *
     * @throws IllegalArgumentException when n is not 1, 2, 4 or 8, saying so
     */
    public static void checkSelfEnsemble(int n) {
        SelfEnsemble.orientations(n);
    }

    /** One orientation per tile (no self-ensemble). */
    public EnhancerOptions(InferenceDevice device, int poolSize, int tile, int overlap, int batchSize) {
        this(device, poolSize, tile, overlap, batchSize, 1);
    }

    public static EnhancerOptions defaults() {
        return new EnhancerOptions(InferenceDevice.AUTO, 2, 512, 8, 4, 1);
    }

    /** The same options with another self-ensemble size (1, 2, 4 or 8). */
    public EnhancerOptions withSelfEnsemble(int n) {
        return new EnhancerOptions(device, poolSize, tile, overlap, batchSize, n);
    }
}
