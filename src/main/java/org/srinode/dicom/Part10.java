package org.srinode.dicom;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes and reads the DICOM Part 10 preamble and File Meta Information (PS3.10 7.1: group 0002, explicit VR little endian). */
public final class Part10 {
    /** The node's Implementation Class UID (2.25 UUID-derived root of sri-node). */
    public static final String IMPLEMENTATION_CLASS_UID = "2.25.238919412046386146187297307217812730245";

    public static final String IMPLEMENTATION_VERSION = "SRI_NODE_010";

    private Part10() {}

    /**
     * What a Part 10 file's File Meta Information says, and where its data set starts.
     *
     * @param sopClassUid       Media Storage SOP Class UID (0002,0002)
     * @param sopInstanceUid    Media Storage SOP Instance UID (0002,0003)
     * @param transferSyntaxUid Transfer Syntax UID (0002,0010) of the data set
     * @param datasetOffset     byte offset of the data set's first element in the file
     */
    public record FileMeta(String sopClassUid, String sopInstanceUid, String transferSyntaxUid, long datasetOffset) {}

    /** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 7.1.2). */
    private static final java.util.Set<String> LONG_VRS =
            java.util.Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV");

    /**
     * Reads the File Meta Information of {@code file} (not the data set). The meta group ends at the first element
     * outside group 0002; its elements must have the explicit VRs PS3.10 gives them.
     *
     * @throws InvalidDicomException no preamble and "DICM", a malformed meta element, or one of the three UIDs missing
     * @throws IOException           the file cannot be read
     */
    public static FileMeta readMeta(Path file) throws IOException, InvalidDicomException {
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 8192))) {
            byte[] head = new byte[132];
            try {
                in.readFully(head);
            } catch (EOFException e) {
                throw new InvalidDicomException(file.getFileName() + " is shorter than the Part 10 preamble");
            }
            if (!"DICM".equals(new String(head, 128, 4, StandardCharsets.US_ASCII))) {
                throw new InvalidDicomException(file.getFileName() + " has no DICM prefix (not a Part 10 file)");
            }
            long offset = 132;
            String sopClass = "";
            String sopInstance = "";
            String ts = "";
            while (true) {
                in.mark(2);
                int g0 = in.read();
                int g1 = in.read();
                in.reset();
                if (g0 < 0 || g1 < 0 || (g1 << 8 | g0) != 0x0002) {
                    break;
                }
                byte[] h = new byte[8];
                in.readFully(h);
                int element = (h[2] & 0xff) | (h[3] & 0xff) << 8;
                String vr = new String(h, 4, 2, StandardCharsets.US_ASCII);
                long length;
                int header = 8;
                if (LONG_VRS.contains(vr)) {
                    length = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
                    header = 12;
                } else if (vr.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
                    length = (h[6] & 0xff) | (h[7] & 0xff) << 8;
                } else {
                    throw new InvalidDicomException(file.getFileName() + ": meta element (0002,"
                            + String.format("%04X", element) + ") has no explicit VR");
                }
                if (length > 65536) {
                    throw new InvalidDicomException(file.getFileName() + ": meta element (0002,"
                            + String.format("%04X", element) + ") declares " + length + " bytes");
                }
                byte[] value = new byte[(int) length];
                in.readFully(value);
                String text = new String(value, StandardCharsets.US_ASCII)
                        .replace("\0", "")
                        .trim();
                switch (element) {
                    case 0x0002 -> sopClass = text;
                    case 0x0003 -> sopInstance = text;
                    case 0x0010 -> ts = text;
                    default -> {}
                }
                offset += header + length;
            }
            if (sopClass.isEmpty() || sopInstance.isEmpty() || ts.isEmpty()) {
                throw new InvalidDicomException(
                        file.getFileName() + ": the File Meta Information lacks the Media Storage SOP Class,"
                                + " SOP Instance or Transfer Syntax UID");
            }
            return new FileMeta(sopClass, sopInstance, ts, offset);
        } catch (EOFException e) {
            throw new InvalidDicomException(file.getFileName() + ": the File Meta Information is truncated");
        }
    }

    /** Preamble, "DICM", and the meta group for a dataset that follows in {@code transferSyntaxUid}. */
    public static void writeHeader(
            OutputStream out, String sopClassUid, String sopInstanceUid, String transferSyntaxUid, String sourceAeTitle)
            throws IOException {
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
