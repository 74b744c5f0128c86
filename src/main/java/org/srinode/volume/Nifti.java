package org.srinode.volume;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads NIfTI-1 volumes (.nii, .nii.gz): the first 3D volume, scaled by scl_slope/scl_inter. */
public final class Nifti {
    private Nifti() {}

    public static Volume read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = new BufferedInputStream(
                        file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16)) {
            byte[] header = new DataInputStream(in).readNBytes(348);
            if (header.length < 348) {
                throw new IOException(file + ": shorter than a NIfTI-1 header");
            }
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            if (h.getInt(0) != 348) {
                h.order(ByteOrder.BIG_ENDIAN);
                if (h.getInt(0) != 348) {
                    throw new IOException(file + ": not a NIfTI-1 file (sizeof_hdr is not 348)");
                }
            }
            int nx = h.getShort(42);
            int ny = h.getShort(44);
            int nz = Math.max(1, (int) h.getShort(46));
            int datatype = h.getShort(70);
            float dx = Math.abs(h.getFloat(80));
            float dy = Math.abs(h.getFloat(84));
            float dz = Math.abs(h.getFloat(88));
            float voxOffset = h.getFloat(108);
            float slope = h.getFloat(112);
            float inter = h.getFloat(116);
            if (slope == 0 || Float.isNaN(slope)) {
                slope = 1;
                inter = 0;
            }
            long skip = (long) voxOffset - 348;
            if (skip > 0) {
                in.readNBytes((int) skip);
            }
            int n = Volume.voxels(nx, ny, nz);
            int bytesPer = switch (datatype) {
                case 2, 256 -> 1;
                case 4, 512 -> 2;
                case 8, 16, 768 -> 4;
                case 64 -> 8;
                default -> throw new IOException(file + ": NIfTI datatype " + datatype + " is not supported");
            };
            byte[] bytes = in.readNBytes(n * bytesPer);
            if (bytes.length < n * bytesPer) {
                throw new IOException(file + ": voxel data truncated");
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(h.order());
            float[] data = new float[n];
            for (int i = 0; i < n; i++) {
                double v = switch (datatype) {
                    case 2 -> b.get(i) & 0xff;
                    case 256 -> b.get(i);
                    case 4 -> b.getShort(i * 2);
                    case 512 -> b.getShort(i * 2) & 0xffff;
                    case 8 -> b.getInt(i * 4);
                    case 768 -> b.getInt(i * 4) & 0xffffffffL;
                    case 16 -> b.getFloat(i * 4);
                    default -> b.getDouble(i * 8);
                };
                data[i] = (float) (v * slope + inter);
            }
            // NIfTI stores x fastest, then y, then z: the same order as Volume (slice-major, row, column)
            return new Volume(nx, ny, nz, data, dx, dy, dz);
        }
    }
}
