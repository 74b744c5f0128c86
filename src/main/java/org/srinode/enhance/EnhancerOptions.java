package org.srinode.enhance;

/**
 * How inference runs.
 *
 * @param device    where the model runs
 * @param poolSize  predictors kept ready; that many series can be enhanced at the same time
 * @param tile      largest slice side in low-resolution pixels run in one pass; larger slices are cut into tiles of this side
 * @param overlap   overlap of neighbouring tiles, in low-resolution pixels
 * @param batchSize tiles per forward pass; slices that fit one tile are batched several to a pass
 */
public record EnhancerOptions(InferenceDevice device, int poolSize, int tile, int overlap, int batchSize) {
    public static EnhancerOptions defaults() {
        return new EnhancerOptions(InferenceDevice.AUTO, 2, 512, 8, 4);
    }
}
