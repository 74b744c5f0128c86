package org.srinode.dimse;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** DICOM upper layer PDUs (PS3.8 section 9.3): framing, and the small encoders the SCP needs. */
final class Pdus {
    static final int ASSOCIATE_RQ = 0x01;
    static final int ASSOCIATE_AC = 0x02;
    static final int ASSOCIATE_RJ = 0x03;
    static final int P_DATA = 0x04;
    static final int RELEASE_RQ = 0x05;
    static final int RELEASE_RP = 0x06;
    static final int ABORT = 0x07;
    static final String APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";
    /** A-ABORT source (PS3.8 Table 9-26): the DICOM UL service-user (the node's DIMSE layer) initiated it. */
    static final int ABORT_SOURCE_USER = 0;
    /** A-ABORT source: the DICOM UL service-provider (the upper layer protocol machine) initiated it. */
    static final int ABORT_SOURCE_PROVIDER = 2;
    /** A-ABORT reasons of the service-provider (PS3.8 Table 9-26). */
    static final int ABORT_NOT_SPECIFIED = 0;

    static final int ABORT_UNRECOGNIZED_PDU = 1;
    static final int ABORT_UNEXPECTED_PDU = 2;
    static final int ABORT_UNEXPECTED_PARAMETER = 5;
    static final int ABORT_INVALID_PARAMETER = 6;

    private Pdus() {}

    /** One PDU: its type and body (the bytes after the 6-byte header). */
    record Pdu(int type, byte[] body) {}

    /**
     * Reads one PDU in an established association (Sta6): P-DATA-TF up to {@code maxPDataLength}
     * bytes (the node's Maximum Length Receive), A-RELEASE-RQ/RP and A-ABORT of their fixed 4 bytes.
     * Any other type is a protocol error (an A-ASSOCIATE PDU is unexpected here, an unknown type
     * unrecognized), raised before its body is read, so nothing is allocated from a lying length.
     */
    static Pdu read(InputStream in, int maxPDataLength) throws IOException {
        DataInputStream din = new DataInputStream(in);
        Header h = header(din, "connection closed");
        switch (h.type()) {
            case P_DATA -> {
                if (h.length() > maxPDataLength) {
                    throw new ProtocolException(
                            "P-DATA-TF PDU of " + h.length() + " bytes exceeds the Maximum Length Receive of "
                                    + maxPDataLength,
                            ABORT_INVALID_PARAMETER);
                }
            }
            case RELEASE_RQ, RELEASE_RP, ABORT -> fixedLength(h);
            case ASSOCIATE_RQ, ASSOCIATE_AC, ASSOCIATE_RJ ->
                throw new ProtocolException(
                        "unexpected A-ASSOCIATE PDU (type " + h.type() + ") in an established association",
                        ABORT_UNEXPECTED_PDU);
            default -> throw new ProtocolException("unrecognized PDU type " + h.type(), ABORT_UNRECOGNIZED_PDU);
        }
        return body(din, h);
    }

    /**
     * Reads the answer to an A-ASSOCIATE-RQ this node sent (an SCU in Sta5, PS3.8 Table 9-7): an A-ASSOCIATE-AC of at
     * most {@code maxLength} bytes, or an A-ASSOCIATE-RJ or A-ABORT of their fixed 4 bytes. Anything else is a protocol
     * error raised before its body is read.
     *
     * @throws java.io.EOFException when the peer closed the connection instead of answering
     */
    static Pdu readAssociateReply(InputStream in, int maxLength) throws IOException {
        DataInputStream din = new DataInputStream(in);
        Header h = header(din, "the peer closed the connection instead of answering the A-ASSOCIATE-RQ");
        switch (h.type()) {
            case ASSOCIATE_AC -> {
                if (h.length() > maxLength) {
                    throw new ProtocolException("A-ASSOCIATE-AC of " + h.length() + " bytes", ABORT_INVALID_PARAMETER);
                }
            }
            case ASSOCIATE_RJ, ABORT -> fixedLength(h);
            default ->
                throw new ProtocolException(
                        "PDU type " + h.type() + " in answer to an A-ASSOCIATE-RQ", ABORT_UNEXPECTED_PDU);
        }
        return body(din, h);
    }

    /** A PDU header (PS3.8 9.3): its type and the length of the body that follows. */
    private record Header(int type, long length) {}

    private static Header header(DataInputStream din, String closed) throws IOException {
        int type = din.read();
        if (type < 0) {
            throw new EOFException(closed);
        }
        din.readUnsignedByte(); // reserved
        return new Header(type, din.readInt() & 0xffffffffL);
    }

    /** A-ASSOCIATE-RJ, A-RELEASE-RQ/RP and A-ABORT have a body of exactly 4 bytes (PS3.8 Tables 9-21 to 9-26). */
    private static void fixedLength(Header h) throws ProtocolException {
        if (h.length() != 4) {
            throw new ProtocolException("PDU type " + h.type() + " with length " + h.length(), ABORT_INVALID_PARAMETER);
        }
    }

    private static Pdu body(DataInputStream din, Header h) throws IOException {
        byte[] body = new byte[(int) h.length()];
        din.readFully(body);
        return new Pdu(h.type(), body);
    }

    /**
     * Why a peer's Maximum Length Received (PS3.8 D.1) leaves no room for any PDV, or null when it is usable: a PDV item
     * takes 6 bytes besides its data, so 1 to 6 bytes carry nothing (0 means no limit). The one rule for the SCP's
     * association check, its responses and the SCU's sends.
     */
    static String unusableMaxLength(long maxLength) {
        return maxLength > 0 && maxLength < 7
                ? "Maximum Length Received of " + maxLength + " bytes leaves no room for a PDV"
                : null;
    }

    /**
     * Writes a command set as P-DATA-TF PDUs of one PDV each (message control header: command, last fragment on the
     * last), so that no PDU's variable field exceeds {@code peerMaxLength}, the peer's Maximum Length Received (PS3.8
     * 9.3.5, D.1; a PDV item takes 6 bytes besides its fragment).
     *
     * @param peerMaxLength the peer's limit in bytes, at least 7; 0 for no limit
     */
    static void writeCommand(OutputStream out, int pcId, byte[] command, long peerMaxLength) throws IOException {
        String unusable = unusableMaxLength(peerMaxLength);
        if (unusable != null) {
            throw new IllegalArgumentException(unusable);
        }
        int fragment = peerMaxLength == 0 ? command.length : (int) Math.min(command.length, peerMaxLength - 6);
        int off = 0;
        do {
            int n = Math.min(fragment, command.length - off);
            boolean last = off + n == command.length;
            int len = n + 2;
            byte[] body = new byte[n + 6];
            body[0] = (byte) (len >>> 24);
            body[1] = (byte) (len >>> 16);
            body[2] = (byte) (len >>> 8);
            body[3] = (byte) len;
            body[4] = (byte) pcId;
            body[5] = (byte) (last ? 0x03 : 0x01);
            System.arraycopy(command, off, body, 6, n);
            write(out, P_DATA, body);
            off += n;
        } while (off < command.length);
    }

    static void write(OutputStream out, int type, byte[] body) throws IOException {
        byte[] header = {
            (byte) type,
            0,
            (byte) (body.length >>> 24),
            (byte) (body.length >>> 16),
            (byte) (body.length >>> 8),
            (byte) body.length
        };
        out.write(header);
        out.write(body);
        out.flush();
    }

    static byte[] abortBody(int source, int reason) {
        return new byte[] {0, 0, (byte) source, (byte) reason};
    }

    static byte[] releaseReply() {
        return new byte[4];
    }

    static void item(ByteArrayOutputStream out, int type, byte[] value) {
        out.write(type);
        out.write(0);
        out.write((value.length >>> 8) & 0xff);
        out.write(value.length & 0xff);
        out.writeBytes(value);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static String aeTitle(byte[] body, int offset) {
        return new String(body, offset, 16, StandardCharsets.US_ASCII).trim();
    }

    static byte[] aeField(String ae) {
        byte[] f = new byte[16];
        java.util.Arrays.fill(f, (byte) ' ');
        byte[] a = ascii(ae);
        System.arraycopy(a, 0, f, 0, Math.min(16, a.length));
        return f;
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    static long u32(byte[] b, int off) {
        return ((long) (b[off] & 0xff) << 24)
                | ((b[off + 1] & 0xff) << 16)
                | ((b[off + 2] & 0xff) << 8)
                | (b[off + 3] & 0xff);
    }

    /**
     * A violation of the upper layer protocol, or of DIMSE message framing: the association is
     * aborted with this A-ABORT source and reason (PS3.8 Table 9-26).
     */
    static final class ProtocolException extends IOException {
        final int source;
        final int reason;

        /** Detected by the upper layer: source service-provider with {@code reason}. */
        ProtocolException(String message, int reason) {
            super(message);
            this.source = ABORT_SOURCE_PROVIDER;
            this.reason = reason;
        }

        /** Detected by the DIMSE layer above it: source service-user, no reason. */
        static ProtocolException dimse(String message) {
            return new ProtocolException(message, ABORT_SOURCE_USER, ABORT_NOT_SPECIFIED);
        }

        private ProtocolException(String message, int source, int reason) {
            super(message);
            this.source = source;
            this.reason = reason;
        }
    }
}
