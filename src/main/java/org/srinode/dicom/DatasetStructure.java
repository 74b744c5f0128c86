package org.srinode.dicom;

import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomDictionary;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * One streaming pass over a Part 10 file that checks the framing of every data element before any
 * parser allocates a value (PS3.5 section 7.1 data elements, 7.5 nesting of data sets, A.4
 * encapsulation, PS3.10 section 7.1 File Meta Information). Nothing is allocated from a declared
 * length: a value is skipped, and a length that exceeds the bytes left is refused. What it refuses:
 * <ul>
 *   <li>an element whose declared length runs past the end of the file (or of its sequence or item);</li>
 *   <li>an undefined-length sequence or item that is never closed, a delimiter where none is open;</li>
 *   <li>nesting deeper than {@link #MAX_DEPTH} sequences (a parser would recurse that deep);</li>
 *   <li>an unknown explicit VR, undefined length on a VR that cannot have it, a fixed-size VR (US, UL,
 *       FD, OW...) whose length is not a multiple of its size;</li>
 *   <li>encapsulated Pixel Data that is not a sequence of defined-length items closed by a delimiter,
 *       or native Pixel Data with undefined length.</li>
 * </ul>
 *
 * <p>Longer than the project's 300 lines: it is one state machine over one stream (nesting stack, byte counts, VR
 * rules of PS3.5 Table 7.1-1 and 6.2-1), read best from top to bottom.
 */
public final class DatasetStructure {
    /** Deepest nesting of sequences accepted. */
    public static final int MAX_DEPTH = 32;
    /** Bytes of the first frame's first fragment kept for the codec header check. */
    static final int FRAGMENT_HEAD = 1024;

    private static final String IMPLICIT_LE = "1.2.840.10008.1.2";
    private static final String EXPLICIT_LE = "1.2.840.10008.1.2.1";
    private static final String EXPLICIT_BE = "1.2.840.10008.1.2.2";
    private static final String DEFLATED = "1.2.840.10008.1.2.1.99";
    private static final Set<String> LONG_VRS =
            Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV");
    private static final Set<String> SHORT_VRS = Set.of(
            "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "PN", "SH", "SL", "SS", "ST", "TM",
            "UI", "UL", "US");
    private static final int ITEM = 0xFFFEE000;
    private static final int ITEM_END = 0xFFFEE00D;
    private static final int SEQUENCE_END = 0xFFFEE0DD;
    private static final int PIXEL_DATA = 0x7FE00010;
    private static final long UNDEFINED = 0xFFFFFFFFL;

    /**
     * What the pass found.
     *
     * @param transferSyntaxUid  from the File Meta Information
     * @param encapsulated       the transfer syntax encapsulates Pixel Data (PS3.5 A.4)
     * @param pixelDataLength    native Pixel Data value length in bytes; -1 when absent or encapsulated
     * @param fragments          encapsulated: number of items after the Basic Offset Table; 0 otherwise
     * @param offsetTableEntries encapsulated: entries in the Basic Offset Table (0 when empty)
     * @param firstFragmentHead  encapsulated: the first bytes of the first fragment (up to 1 KiB); empty otherwise
     * @param bytes              the file's bytes as parsed: its size, or with a deflated data set the inflated size
     * @param parts              elements, items and delimiters in the data set (at most {@link #MAX_PARTS})
     */
    public record Result(
            String transferSyntaxUid,
            boolean encapsulated,
            long pixelDataLength,
            int fragments,
            int offsetTableEntries,
            byte[] firstFragmentHead,
            long bytes,
            long parts) {

        /**
         * About the heap a full PixelMed parse of this data set takes, in bytes: its values, and some 160 bytes of Java
         * objects for each element and item (an estimate, not measured per class).
         */
        public long parseHeapBytes() {
            return bytes + 160 * parts;
        }
    }

    /**
     * Elements, items and delimiters a data set may hold. An MR instance has a few thousand (an enhanced multi-frame one
     * some tens of thousands); eight million empty items fit in 64 MiB and would take about a gigabyte once parsed.
     */
    public static final long MAX_PARTS = 1_000_000;

    private DatasetStructure() {}

    /**
     * The most a Deflated Explicit VR Little Endian data set (PS3.5 A.5) may inflate to, in bytes: 64 MiB, or 50 times
     * the file's size when that is more. MR data sets deflate by a few times; a data set of zeros deflates about 1000
     * times, and the full parse would then allocate the inflated values on the heap (1 MB on the wire asking for 1 GB).
     */
    static long inflatedLimit(long fileSize) {
        return Math.max(64L << 20, 50 * fileSize);
    }

    /**
     * Walks the file.
     *
     * @throws InvalidDicomException with the first framing fault found, naming the element
     * @throws IOException           when the file cannot be read
     */
    public static Result check(Path file) throws InvalidDicomException, IOException {
        long size = Files.size(file);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            Reader r = new Reader(raw, size);
            try {
                return new DatasetStructure.Walk(r).run();
            } catch (EOFException e) {
                throw new InvalidDicomException(
                        "the data set ends inside an element (truncated, or a length that lies)");
            }
        }
    }

    /** Reads little or big endian values and counts the bytes consumed. */
    private static final class Reader {
        private InputStream in;
        private final long size;
        private long pos;
        private boolean sizeKnown = true;

        Reader(InputStream in, long size) {
            this.in = in;
            this.size = size;
        }

        /** Absolute position the inflated data set may not pass ({@link #inflatedLimit}); unused when not deflated. */
        private long inflatedEnd = Long.MAX_VALUE;

        void inflateFromHere() {
            in = new BufferedInputStream(new InflaterInputStream(in, new Inflater(true), 1 << 16), 1 << 16);
            sizeKnown = false;
            inflatedEnd = pos + inflatedLimit(size);
        }

        boolean deflated() {
            return !sizeKnown;
        }

        /** Bytes left in the file, or (deflated) up to the inflated limit. */
        long remaining() {
            return sizeKnown ? size - pos : inflatedEnd - pos;
        }

        /** True at the end of the data. */
        boolean atEnd() throws IOException {
            if (sizeKnown) {
                return pos >= size;
            }
            in.mark(1);
            int b = in.read();
            if (b < 0) {
                return true;
            }
            in.reset();
            return false;
        }

        int u8() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            pos++;
            return b;
        }

        int u16(boolean bigEndian) throws IOException {
            int a = u8();
            int b = u8();
            return bigEndian ? a << 8 | b : b << 8 | a;
        }

        long u32(boolean bigEndian) throws IOException {
            long a = u16(bigEndian);
            long b = u16(bigEndian);
            return bigEndian ? a << 16 | b : b << 16 | a;
        }

        byte[] bytes(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length < n) {
                throw new EOFException();
            }
            pos += n;
            return b;
        }

        void skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                long s = in.skip(left);
                if (s <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException();
                    }
                    s = 1;
                }
                left -= s;
            }
            pos += n;
        }
    }

    /** A sequence or item being read: where it ends (absolute, or -1 for undefined length). */
    private record Frame(boolean sequence, long end, boolean implicit, int tag) {}

    private static final class Walk {
        private final Reader r;
        private boolean bigEndian;
        private boolean implicitTs;
        private String ts = "";
        private long pixelLength = -1;
        private int fragments;
        private int offsetEntries;
        private byte[] head = new byte[0];
        private long parts;

        Walk(Reader r) {
            this.r = r;
        }

        Result run() throws IOException, InvalidDicomException {
            meta();
            boolean encapsulated =
                    !Set.of(IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED).contains(ts);
            implicitTs = IMPLICIT_LE.equals(ts);
            bigEndian = EXPLICIT_BE.equals(ts);
            if (DEFLATED.equals(ts)) {
                r.inflateFromHere();
            }
            dataset(encapsulated);
            return new Result(
                    ts, encapsulated, pixelLength, fragments, offsetEntries, head, Math.max(r.pos, r.size), parts);
        }

        private void meta() throws IOException, InvalidDicomException {
            if (r.remaining() < 132) {
                throw new InvalidDicomException("no File Meta Information");
            }
            r.skip(128);
            if (!"DICM".equals(new String(r.bytes(4), StandardCharsets.US_ASCII))) {
                throw new InvalidDicomException("no DICM prefix");
            }
            while (r.remaining() >= 8) {
                // peek the group: the meta ends at the first element outside group 0002
                int group = peekGroup();
                if (group != 0x0002) {
                    break;
                }
                int tag = (int) tagOf(r.u16(false), r.u16(false));
                String vr = new String(r.bytes(2), StandardCharsets.US_ASCII);
                long len;
                if (LONG_VRS.contains(vr)) {
                    r.skip(2);
                    len = r.u32(false);
                } else if (SHORT_VRS.contains(vr)) {
                    len = r.u16(false);
                } else {
                    throw new InvalidDicomException(
                            "File Meta Information element " + tagText(tag) + " has an unknown VR");
                }
                if (len > 65536 || len > r.remaining()) {
                    throw new InvalidDicomException(
                            "File Meta Information element " + tagText(tag) + " declares " + len + " bytes");
                }
                if (tag == 0x00020010) {
                    ts = new String(r.bytes((int) len), StandardCharsets.US_ASCII)
                            .replace("\0", "")
                            .trim();
                } else {
                    r.skip(len);
                }
            }
            if (ts.isEmpty()) {
                throw new InvalidDicomException("no Transfer Syntax UID (0002,0010) in the File Meta Information");
            }
        }

        private int peekGroup() throws IOException {
            r.in.mark(2);
            int a = r.in.read();
            int b = r.in.read();
            r.in.reset();
            return b << 8 | a;
        }

        private void dataset(boolean encapsulated) throws IOException, InvalidDicomException {
            Deque<Frame> stack = new ArrayDeque<>();
            while (true) {
                Frame top = stack.peek();
                if (top != null && top.end() >= 0) {
                    if (r.pos == top.end()) {
                        stack.pop();
                        continue;
                    }
                    if (r.pos > top.end()) {
                        throw new InvalidDicomException("an element overruns its "
                                + (top.sequence() ? "sequence " : "item in ") + tagText(top.tag()));
                    }
                }
                if (r.atEnd()) {
                    if (top != null) {
                        throw new InvalidDicomException("the data set ends inside "
                                + (top.sequence() ? "sequence " : "an item of ") + tagText(top.tag())
                                + " (an undefined-length sequence or item that is never closed)");
                    }
                    return;
                }
                boolean implicit = top == null ? implicitTs : top.implicit();
                int tag = (int) tagOf(r.u16(bigEndian), r.u16(bigEndian));
                if (++parts > MAX_PARTS) { // each becomes Java objects in the full parse: ~100 B of heap per 8 bytes
                    throw new InvalidDicomException("the data set has more than " + MAX_PARTS
                            + " elements, items and delimiters (MR instances have a few thousand)");
                }
                if (top != null && top.sequence()) {
                    long len = r.u32(bigEndian);
                    if (tag == SEQUENCE_END) {
                        delimiterLength(tag, len);
                        if (top.end() >= 0) {
                            throw new InvalidDicomException(
                                    "a sequence delimiter inside defined-length sequence " + tagText(top.tag()));
                        }
                        stack.pop();
                    } else if (tag == ITEM) {
                        push(stack, new Frame(false, len == UNDEFINED ? -1 : end(len, top, tag), implicit, top.tag()));
                    } else {
                        throw new InvalidDicomException("element " + tagText(tag) + " inside sequence "
                                + tagText(top.tag()) + " where an item was expected");
                    }
                    continue;
                }
                if (tag == ITEM_END) {
                    delimiterLength(tag, r.u32(bigEndian));
                    if (top == null || top.end() >= 0) {
                        throw new InvalidDicomException("an item delimiter where no undefined-length item is open");
                    }
                    stack.pop();
                    continue;
                }
                if (tag == ITEM || tag == SEQUENCE_END) {
                    throw new InvalidDicomException("an item or sequence delimiter outside a sequence");
                }
                String vr;
                long len;
                if (implicit) {
                    vr = dictionaryVr(tag);
                    len = r.u32(bigEndian);
                } else {
                    vr = new String(r.bytes(2), StandardCharsets.US_ASCII);
                    if (LONG_VRS.contains(vr)) {
                        r.skip(2);
                        len = r.u32(bigEndian);
                    } else if (SHORT_VRS.contains(vr)) {
                        len = r.u16(bigEndian);
                    } else {
                        throw new InvalidDicomException(
                                "element " + tagText(tag) + " has an unknown VR '" + LogText.escape(vr) + "'");
                    }
                }
                if (tag == PIXEL_DATA && top == null) {
                    pixelData(len, encapsulated);
                    continue;
                }
                if (len == UNDEFINED) {
                    if (!vr.equals("SQ") && !vr.equals("UN") && !(implicit && vr.isEmpty())) {
                        throw new InvalidDicomException(
                                "element " + tagText(tag) + " (" + vr + ") has undefined length");
                    }
                    // an undefined-length UN is a sequence encoded in implicit VR little endian (PS3.5 6.2.2)
                    push(stack, new Frame(true, -1, implicit || vr.equals("UN"), tag));
                    continue;
                }
                long end = end(len, top, tag);
                if (vr.equals("SQ")) {
                    push(stack, new Frame(true, end, implicit, tag));
                    continue;
                }
                int unit = unit(vr);
                if (len % unit != 0) {
                    throw new InvalidDicomException("element " + tagText(tag) + " (" + vr + ") is " + len
                            + " bytes, not a multiple of " + unit);
                }
                r.skip(len);
            }
        }

        /**
         * Item and Sequence Delimitation Items have an item length of 00000000H (PS3.5 7.5.1, 7.5.2, A.4); readers that take
         * the length at its word skip that many bytes and lose the rest of the data set.
         */
        private static void delimiterLength(int tag, long len) throws InvalidDicomException {
            if (len != 0) {
                throw new InvalidDicomException((tag == ITEM_END ? "an item" : "a sequence") + " delimiter "
                        + tagText(tag) + " with length " + len + " (PS3.5 7.5 requires 0)");
            }
        }

        private void push(Deque<Frame> stack, Frame f) throws InvalidDicomException {
            if (stack.size() >= 2 * MAX_DEPTH) {
                throw new InvalidDicomException("sequences nested more than " + MAX_DEPTH + " levels deep");
            }
            stack.push(f);
        }

        /** Absolute end of a value of {@code len} bytes that starts here; refused when it runs past its container or the file. */
        private long end(long len, Frame container, int tag) throws InvalidDicomException {
            boolean inContainer = container != null && container.end() >= 0;
            long limit = inContainer ? container.end() - r.pos : r.remaining();
            if (len > limit && !inContainer && r.deflated()) {
                throw new InvalidDicomException("element " + tagText(tag) + " declares " + len + " bytes: the deflated "
                        + "data set would inflate to more than " + (inflatedLimit(r.size) >> 20) + " MiB (50 times "
                        + "its " + r.size + " bytes, at least 64 MiB), more than the node reads into memory");
            }
            if (len > limit) {
                throw new InvalidDicomException("element " + tagText(tag) + " declares " + len + " bytes but only "
                        + (limit == Long.MAX_VALUE ? "fewer" : Long.toString(limit)) + " remain");
            }
            return r.pos + len;
        }

        private void pixelData(long len, boolean encapsulated) throws IOException, InvalidDicomException {
            if (!encapsulated) {
                if (len == UNDEFINED) {
                    throw new InvalidDicomException("native Pixel Data (7FE0,0010) with undefined length");
                }
                end(len, null, PIXEL_DATA);
                r.skip(len);
                pixelLength = len;
                return;
            }
            if (len != UNDEFINED) {
                throw new InvalidDicomException(
                        "encapsulated Pixel Data (7FE0,0010) must have undefined length (PS3.5 A.4)");
            }
            int items = 0;
            while (true) {
                int tag = (int) tagOf(r.u16(bigEndian), r.u16(bigEndian));
                long l = r.u32(bigEndian);
                if (tag == SEQUENCE_END) {
                    delimiterLength(tag, l);
                    break;
                }
                if (tag != ITEM || l == UNDEFINED) {
                    throw new InvalidDicomException("encapsulated Pixel Data holds " + tagText(tag)
                            + " where a defined-length item was expected");
                }
                end(l, null, PIXEL_DATA);
                if (items == 0) {
                    if (l % 4 != 0) {
                        throw new InvalidDicomException("Basic Offset Table of " + l + " bytes is not a multiple of 4");
                    }
                    offsetEntries = (int) (l / 4);
                    r.skip(l);
                } else if (items == 1) {
                    int keep = (int) Math.min(l, FRAGMENT_HEAD);
                    head = r.bytes(keep);
                    r.skip(l - keep);
                } else {
                    r.skip(l);
                }
                items++;
            }
            if (items < 2) {
                throw new InvalidDicomException("encapsulated Pixel Data without a fragment");
            }
            fragments = items - 1;
        }

        private static String dictionaryVr(int tag) {
            byte[] vr = DicomDictionary.StandardDictionary.getValueRepresentationFromTag(
                    new AttributeTag(tag >>> 16, tag & 0xffff));
            return vr == null ? "" : new String(vr, StandardCharsets.US_ASCII);
        }
    }

    private static int unit(String vr) {
        return switch (vr) {
            case "US", "SS", "OW" -> 2;
            case "UL", "SL", "FL", "AT", "OF", "OL" -> 4;
            case "FD", "OD", "OV", "SV", "UV" -> 8;
            default -> 1;
        };
    }

    private static long tagOf(int group, int element) {
        return ((long) group << 16 | element) & 0xffffffffL;
    }

    static String tagText(int tag) {
        return String.format("(%04X,%04X)", tag >>> 16, tag & 0xffff);
    }
}
