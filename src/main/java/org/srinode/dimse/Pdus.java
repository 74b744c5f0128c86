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

    private Pdus() {
    }

    /** One PDU: its type and body (the bytes after the 6-byte header). */
    record Pdu(int type, byte[] body) {
    }

    static Pdu read(InputStream in, int maxBody) throws IOException {
        DataInputStream din = new DataInputStream(in);
        int type = din.read();
        if (type < 0) {
            throw new EOFException("connection closed");
        }
        din.readUnsignedByte();
        long length = din.readInt() & 0xffffffffL;
        if (length > maxBody) {
            throw new ProtocolException("PDU of " + length + " bytes exceeds the limit of " + maxBody);
        }
        byte[] body = new byte[(int) length];
        din.readFully(body);
        return new Pdu(type, body);
    }

    static void write(OutputStream out, int type, byte[] body) throws IOException {
        byte[] header = {(byte) type, 0, (byte) (body.length >>> 24), (byte) (body.length >>> 16),
            (byte) (body.length >>> 8), (byte) body.length};
        out.write(header);
        out.write(body);
        out.flush();
    }

    static byte[] reject(int result, int source, int reason) {
        return new byte[] {0, (byte) result, (byte) source, (byte) reason};
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
        return ((long) (b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    /** A violation of the upper layer protocol: the association is aborted. */
    static final class ProtocolException extends IOException {
        ProtocolException(String message) {
            super(message);
        }
    }
}
