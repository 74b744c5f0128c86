package org.srinode.volume;

/**
 * A stack of equally sized slices of float voxels, slice-major: {@code data[(z * height + y) * width + x]}.
 * Spacing in millimetres (column, row, slice direction); 0 where unknown.
 */
public record Volume(
        int width, int height, int depth, float[] data, double spacingX, double spacingY, double spacingZ) {
    public Volume {
        if (width <= 0 || height <= 0 || depth <= 0) {
            throw new IllegalArgumentException("empty volume " + width + "x" + height + "x" + depth);
        }
        if (data.length != (long) width * height * depth) {
            throw new IllegalArgumentException(
                    "data holds " + data.length + " voxels, not " + width + "x" + height + "x" + depth);
        }
    }

    public static Volume zeros(int width, int height, int depth, double sx, double sy, double sz) {
        return new Volume(width, height, depth, new float[voxels(width, height, depth)], sx, sy, sz);
    }

    /**
     * {@code width x height x depth} as the length of one float array: the one place sizes read from headers are
     * multiplied, in long, so that no product overflows into a wrong or negative array size.
     *
     * @throws IllegalArgumentException naming the sizes when one is negative or the product exceeds a Java array
     *     (2^31 - 1 elements)
     */
    public static int voxels(long width, long height, long depth) {
        if (width < 0 || height < 0 || depth < 0 || width * height * depth > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(width + " x " + height + " x " + depth
                    + " voxels do not fit one array (at most " + Integer.MAX_VALUE + ")");
        }
        return (int) (width * height * depth);
    }

    public int sliceSize() {
        return width * height;
    }

    public float get(int x, int y, int z) {
        return data[(z * height + y) * width + x];
    }

    /** A copy of slice z. */
    public float[] slice(int z) {
        float[] s = new float[sliceSize()];
        System.arraycopy(data, z * sliceSize(), s, 0, s.length);
        return s;
    }
}
