package org.srinode.enhance;

/**
 * Tiles of one shape, stacked for one forward pass: {@code n} images of {@code height x width}.
 *
 * @param lq     normalised low-quality pixels, n*height*width
 * @param mask   1 inside missing regions, same layout
 * @param n      tiles in the batch
 * @param height tile rows
 * @param width  tile columns
 */
public record TileBatch(float[] lq, float[] mask, int n, int height, int width) {}
