package org.srinode.dicom;

/**
 * Checks the Image Pixel Module (PS3.3 C.7.6.3) against the Pixel Data actually received, so that an
 * instance acknowledged by the node can be decoded by a PACS: value ranges, the native length
 * (Rows x Columns x Samples per Pixel x Number of Frames x Bits Allocated, computed without
 * overflow), and for encapsulated data the fragment count and the first frame's own codec header
 * (JPEG SOF, JPEG-LS SOF55, JPEG 2000 SIZ, RLE header: PS3.5 A.4 and Annex G) against Rows, Columns,
 * Samples per Pixel and Bits Allocated.
 */
final class PixelModuleCheck {
    /** Largest number of frames accepted (IS, but beyond this no PACS decodes it). */
    static final long MAX_FRAMES = 1L << 20;

    /**
     * The attribute values the check needs, as parsed (null when absent).
     *
     * @param rows          Rows (0028,0010)
     * @param columns       Columns (0028,0011)
     * @param bitsAllocated Bits Allocated (0028,0100)
     * @param bitsStored    Bits Stored (0028,0101)
     * @param samples       Samples per Pixel (0028,0002)
     * @param frames        Number of Frames (0028,0008), text as received
     * @param photometric   Photometric Interpretation (0028,0004), empty when absent
     */
    record Values(
            Long rows,
            Long columns,
            Long bitsAllocated,
            Long bitsStored,
            Long samples,
            String frames,
            String photometric) {}

    private PixelModuleCheck() {}

    static void check(Values v, DatasetStructure.Result s) throws InvalidDicomException {
        long rows = range(v.rows(), "Rows (0028,0010)", 1, 65535);
        long cols = range(v.columns(), "Columns (0028,0011)", 1, 65535);
        long samples = range(v.samples(), "Samples per Pixel (0028,0002)", 1, 4); // Type 1 (PS3.3 C.7.6.3)
        long frames = frames(v.frames());
        long bits = range(v.bitsAllocated(), "Bits Allocated (0028,0100)", 1, 32);
        if (bits != 1 && bits % 8 != 0) {
            throw new InvalidDicomException("Bits Allocated (0028,0100) " + bits + " is neither 1 nor a multiple of 8");
        }
        if (v.bitsStored() != null && (v.bitsStored() < 1 || v.bitsStored() > bits)) {
            throw new InvalidDicomException("Bits Stored (0028,0101) " + v.bitsStored() + " is outside 1.." + bits);
        }
        long expected;
        try {
            // native YBR_FULL_422 stores two values per pixel (Y for each, Cb and Cr shared by a pair: PS3.3
            // C.7.6.3.1.2)
            long stored = samples == 3 && "YBR_FULL_422".equals(v.photometric()) && !s.encapsulated() ? 2 : samples;
            long pixels = Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(rows, cols), stored), frames);
            expected = (Math.multiplyExact(pixels, bits) + 7) / 8;
        } catch (ArithmeticException e) {
            throw new InvalidDicomException("the image size overflows (Rows x Columns x Samples x Frames x Bits)");
        }
        if (!s.encapsulated()) {
            if (s.pixelDataLength() == 0) {
                throw new InvalidDicomException("Pixel Data (7FE0,0010) is empty");
            }
            if (s.pixelDataLength() < expected) {
                throw new InvalidDicomException(
                        "Pixel Data is " + s.pixelDataLength() + " bytes, the image needs " + expected);
            }
            return;
        }
        encapsulated(s, rows, cols, samples, frames, bits);
    }

    private static void encapsulated(
            DatasetStructure.Result s, long rows, long cols, long samples, long frames, long bits)
            throws InvalidDicomException {
        String ts = s.transferSyntaxUid();
        if (s.fragments() < frames) {
            throw new InvalidDicomException(frames + " frames but only " + s.fragments() + " Pixel Data fragments");
        }
        if (s.offsetTableEntries() != 0 && s.offsetTableEntries() != frames) {
            throw new InvalidDicomException(
                    "Basic Offset Table has " + s.offsetTableEntries() + " entries for " + frames + " frames");
        }
        byte[] h = s.firstFragmentHead();
        if (ts.equals("1.2.840.10008.1.2.5")) {
            if (bits > 32 || bits % 8 != 0) {
                throw new InvalidDicomException("RLE Lossless needs Bits Allocated 8, 16 or 32, not " + bits);
            }
            rle(h, samples * bits / 8);
        } else if (ts.startsWith("1.2.840.10008.1.2.4.5")
                || ts.startsWith("1.2.840.10008.1.2.4.7")
                || ts.startsWith("1.2.840.10008.1.2.4.8")) {
            needs8or16(bits, ts);
            jpeg(h, rows, cols, samples, bits);
        } else if (ts.startsWith("1.2.840.10008.1.2.4.9") || ts.startsWith("1.2.840.10008.1.2.4.20")) {
            needs8or16(bits, ts);
            j2k(h, rows, cols, samples);
        }
    }

    private static void needs8or16(long bits, String ts) throws InvalidDicomException {
        if (bits != 8 && bits != 16) {
            throw new InvalidDicomException("Bits Allocated " + bits + " cannot be encoded in transfer syntax " + ts);
        }
    }

    /** JPEG (ISO 10918-1 B.2.2) and JPEG-LS (ISO 14495-1 C.2.2): the frame header after SOI. */
    private static void jpeg(byte[] h, long rows, long cols, long samples, long bits) throws InvalidDicomException {
        if (h.length < 4 || (h[0] & 0xff) != 0xFF || (h[1] & 0xff) != 0xD8) {
            throw new InvalidDicomException("the first fragment does not start with a JPEG SOI marker");
        }
        int p = 2;
        while (p + 4 <= h.length) {
            if ((h[p] & 0xff) != 0xFF) {
                throw new InvalidDicomException("JPEG marker expected at byte " + p + " of the first fragment");
            }
            int marker = h[p + 1] & 0xff;
            if (marker == 0xFF) {
                p++;
                continue;
            }
            int len = (h[p + 2] & 0xff) << 8 | (h[p + 3] & 0xff);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
                    || marker == 0xF7;
            if (sof) {
                if (p + 10 > h.length) {
                    return; // header beyond the bytes kept: nothing more to check
                }
                int precision = h[p + 4] & 0xff;
                int y = (h[p + 5] & 0xff) << 8 | (h[p + 6] & 0xff);
                int x = (h[p + 7] & 0xff) << 8 | (h[p + 8] & 0xff);
                int nf = h[p + 9] & 0xff;
                if ((y != 0 && y != rows) || x != cols || nf != samples || precision > bits) {
                    throw new InvalidDicomException("the JPEG frame is " + x + "x" + y + ", " + nf + " component(s), "
                            + precision + " bits; the header says " + cols + "x" + rows + ", " + samples
                            + " sample(s), " + bits + " bits");
                }
                return;
            }
            if (marker == 0xDA) {
                throw new InvalidDicomException("JPEG scan data before a frame header");
            }
            p += 2 + len;
        }
    }

    /** JPEG 2000 codestream (ISO 15444-1 A.5.1): SOC then the SIZ marker segment. */
    private static void j2k(byte[] h, long rows, long cols, long samples) throws InvalidDicomException {
        if (h.length >= 8 && u32(h, 0) == 12 && u32(h, 4) == 0x6A502020L) {
            return; // a JP2 file wrapper (seen from some writers): the codec finds the codestream inside
        }
        if (h.length < 42
                || (h[0] & 0xff) != 0xFF
                || (h[1] & 0xff) != 0x4F
                || (h[2] & 0xff) != 0xFF
                || (h[3] & 0xff) != 0x51) {
            throw new InvalidDicomException("the first fragment is not a JPEG 2000 codestream (SOC, SIZ)");
        }
        long xsiz = u32(h, 8);
        long ysiz = u32(h, 12);
        long xo = u32(h, 16);
        long yo = u32(h, 20);
        int csiz = (h[40] & 0xff) << 8 | (h[41] & 0xff);
        if (xsiz - xo != cols || ysiz - yo != rows || csiz != samples) {
            throw new InvalidDicomException("the JPEG 2000 image is " + (xsiz - xo) + "x" + (ysiz - yo) + " with "
                    + csiz + " component(s); the header says " + cols + "x" + rows + " with " + samples);
        }
    }

    /** RLE header (PS3.5 G.5): segment count and increasing offsets. */
    private static void rle(byte[] h, long segments) throws InvalidDicomException {
        if (h.length < 64) {
            throw new InvalidDicomException("RLE fragment shorter than its 64-byte header");
        }
        long n = le32(h, 0);
        if (n != segments || n > 15) {
            throw new InvalidDicomException("RLE header announces " + n + " segments, the image needs " + segments);
        }
        long previous = 63;
        for (int i = 0; i < n; i++) {
            long off = le32(h, 4 + 4 * i);
            if (off <= previous) {
                throw new InvalidDicomException("RLE segment offsets are not increasing");
            }
            previous = off;
        }
    }

    private static long frames(String text) throws InvalidDicomException {
        if (text == null || text.isBlank()) {
            return 1;
        }
        long f;
        try {
            f = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidDicomException(
                    "Number of Frames (0028,0008) '" + LogText.escape(text) + "' is not an integer");
        }
        if (f < 1 || f > MAX_FRAMES) {
            throw new InvalidDicomException("Number of Frames (0028,0008) " + f + " is outside 1.." + MAX_FRAMES);
        }
        return f;
    }

    private static long range(Long v, String name, long min, long max) throws InvalidDicomException {
        if (v == null) {
            throw new InvalidDicomException("Pixel Data without " + name);
        }
        if (v < min || v > max) {
            throw new InvalidDicomException(name + " " + v + " is outside " + min + ".." + max);
        }
        return v;
    }

    private static long u32(byte[] b, int off) {
        return (b[off] & 0xffL) << 24 | (b[off + 1] & 0xffL) << 16 | (b[off + 2] & 0xffL) << 8 | (b[off + 3] & 0xffL);
    }

    private static long le32(byte[] b, int off) {
        return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0xffL) << 24;
    }
}
