package org.srinode.dicom;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes the DICOM Part 10 preamble and File Meta Information (group 0002, explicit VR little endian). */
public final class Part10 {
    /** The node's Implementation Class UID (2.25 UUID-derived root of sri-node). */
    public static final String IMPLEMENTATION_CLASS_UID = "2.25.238919412046386146187297307217812730245";
    public static final String IMPLEMENTATION_VERSION = "SRI_NODE_010";

    private Part10() {
    }

    /** Preamble, "DICM", and the meta group for a dataset that follows in {@code transferSyntaxUid}. */
    public static void writeHeader(OutputStream out, String sopClassUid, String sopInstanceUid, String transferSyntaxUid,
                                   String sourceAeTitle) throws IOException {
        ByteArrayOutputStream group = new ByteArrayOutputStream(256);
        element(group, 0x0001, "OB", new byte[] {0, 1});
        element(group, 0x0002, "UI", uid(sopClassUid));
        element(group, 0x0003, "UI", uid(sopInstanceUid));
        element(group, 0x0010, "UI", uid(transferSyntaxUid));
        element(group, 0x0012, "UI", uid(IMPLEMENTATION_CLASS_UID));
        element(group, 0x0013, "SH", text(IMPLEMENTATION_VERSION));
        if (sourceAeTitle != null && !sourceAeTitle.isBlank()) {
            element(group, 0x0016, "AE", text(sourceAeTitle.trim()));
        }
        out.write(new byte[128]);
        out.write("DICM".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream length = new ByteArrayOutputStream(12);
        element(length, 0x0000, "UL", le32(group.size()));
        length.writeTo(out);
        group.writeTo(out);
    }

    private static void element(ByteArrayOutputStream out, int element, String vr, byte[] value) {
        out.write(0x02);
        out.write(0x00);
        out.write(element & 0xff);
        out.write((element >> 8) & 0xff);
        out.write(vr.charAt(0));
        out.write(vr.charAt(1));
        if (vr.equals("OB")) {
            out.write(0);
            out.write(0);
            out.writeBytes(le32(value.length));
        } else {
            out.write(value.length & 0xff);
            out.write((value.length >> 8) & 0xff);
        }
        out.writeBytes(value);
    }

    private static byte[] uid(String uid) {
        return pad(uid.getBytes(StandardCharsets.US_ASCII), (byte) 0);
    }

    private static byte[] text(String s) {
        return pad(s.getBytes(StandardCharsets.US_ASCII), (byte) ' ');
    }

    private static byte[] pad(byte[] b, byte with) {
        if (b.length % 2 == 0) {
            return b;
        }
        byte[] p = java.util.Arrays.copyOf(b, b.length + 1);
        p[b.length] = with;
        return p;
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }
}
