package org.srinode.enhance;

/**
 * How inference runs.
 *
 * @param device    "auto" (GPU when the engine sees one, else CPU), "cpu" or "gpu"
 * @param poolSize  predictors kept ready; that many series can be enhanced at the same time
 * @param tile      tile side in low-resolution pixels (larger slices are tiled)
 * @param overlap   overlap of neighbouring tiles, in low-resolution pixels
 * @param batchSize tiles per forward pass
 */
public record EnhancerOptions(String device, int poolSize, int tile, int overlap, int batchSize) {
    public static EnhancerOptions defaults() {
        return new EnhancerOptions("auto", 2, 128, 8, 4);
    }
}
