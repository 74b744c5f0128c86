package org.srinode.dicom;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds small Part 10 files byte by byte (explicit VR little endian unless told), so that tests can
 * put on disk exactly the malformed structures a hostile peer sends: lengths that lie, unclosed
 * sequences, deep nesting. Values are given as bytes; {@link #mr} gives a valid 4x4 MR image.
 */
public final class TestPart10 {
    public static final String MR = "1.2.840.10008.5.1.4.1.1.4";
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final String transferSyntax;

    public TestPart10(String transferSyntax) {
        this.transferSyntax = transferSyntax;
    }

    /** A 4x4, 16-bit MR image with these UIDs; append more elements, then {@link #pixels} and {@link #write}. */
    public static TestPart10 mr(String sopInstance) {
        return new TestPart10("1.2.840.10008.1.2.1")
                .str(0x00080016, "UI", MR)
                .str(0x00080018, "UI", sopInstance)
                .str(0x00080060, "CS", "MR")
                .str(0x0020000D, "UI", "1.2.3.1")
                .str(0x0020000E, "UI", "1.2.3.1.1");
    }

    public TestPart10 str(int tag, String vr, String value) {
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        if (v.length % 2 == 1) {
            v = java.util.Arrays.copyOf(v, v.length + 1);
            v[v.length - 1] = (byte) (vr.equals("UI") ? 0 : ' ');
        }
        return element(tag, vr, v);
    }

    public TestPart10 us(int tag, int value) {
        return element(tag, "US", new byte[] {(byte) value, (byte) (value >> 8)});
    }

    /** The image pixel module of a rows x cols image with 16 bits, then Pixel Data of {@code bytes} bytes. */
    public TestPart10 pixels(int rows, int cols, int bytes) {
        us(0x00280002, 1)
                .str(0x00280004, "CS", "MONOCHROME2")
                .us(0x00280010, rows)
                .us(0x00280011, cols);
        us(0x00280100, 16).us(0x00280101, 12).us(0x00280102, 11).us(0x00280103, 0);
        return element(0x7FE00010, "OW", new byte[bytes]);
    }

    /** An element with its value (long-form VRs get the 4-byte length). */
    public TestPart10 element(int tag, String vr, byte[] value) {
        header(tag, vr, value.length);
        body.writeBytes(value);
        return this;
    }

    /** Only the header of an element: tag, VR and a declared length (which may lie). */
    public TestPart10 header(int tag, String vr, long length) {
        tag(tag);
        body.writeBytes(vr.getBytes(StandardCharsets.US_ASCII));
        if (java.util.Set.of("OB", "OW", "OF", "SQ", "UT", "UN", "OD", "OL", "UC", "UR", "OV", "SV", "UV")
                .contains(vr)) {
            body.writeBytes(new byte[2]);
            le32(length);
        } else {
            body.write((int) length & 0xff);
            body.write((int) (length >> 8) & 0xff);
        }
        return this;
    }

    /** An item or delimiter tag with its 4-byte length. */
    public TestPart10 item(int tag, long length) {
        tag(tag);
        le32(length);
        return this;
    }

    public TestPart10 raw(byte[] b) {
        body.writeBytes(b);
        return this;
    }

    public byte[] dataset() {
        return body.toByteArray();
    }

    /** Preamble, File Meta Information (SOP Class/Instance as given) and the data set. */
    public Path write(Path file, String sopClass, String sopInstance) throws IOException {
        Files.createDirectories(file.getParent());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Part10.writeHeader(out, sopClass, sopInstance, transferSyntax, "TEST");
        out.writeBytes(body.toByteArray());
        Files.write(file, out.toByteArray());
        return file;
    }

    private void tag(int tag) {
        int g = tag >>> 16;
        int e = tag & 0xffff;
        body.write(g & 0xff);
        body.write(g >> 8);
        body.write(e & 0xff);
        body.write(e >> 8);
    }

    private void le32(long v) {
        body.write((int) v & 0xff);
        body.write((int) (v >> 8) & 0xff);
        body.write((int) (v >> 16) & 0xff);
        body.write((int) (v >> 24) & 0xff);
    }
}
