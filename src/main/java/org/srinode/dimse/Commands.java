package org.srinode.dimse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** DIMSE command sets (group 0000, implicit VR little endian): parsing requests, building responses. */
final class Commands {
    static final int C_STORE_RQ = 0x0001;
    static final int C_STORE_RSP = 0x8001;
    static final int C_ECHO_RQ = 0x0030;
    static final int C_ECHO_RSP = 0x8030;
    static final int C_CANCEL_RQ = 0x0FFF;
    /** Marks a response command field (PS3.7 E.1). */
    static final int RESPONSE_BIT = 0x8000;

    static final int NO_DATASET = 0x0101;

    static final int AFFECTED_SOP_CLASS = 0x0002;
    static final int COMMAND_FIELD = 0x0100;
    static final int MESSAGE_ID = 0x0110;
    static final int MESSAGE_ID_RESPONDED = 0x0120;
    static final int PRIORITY = 0x0700;
    static final int DATASET_TYPE = 0x0800;
    static final int STATUS = 0x0900;
    static final int ERROR_COMMENT = 0x0902;
    static final int AFFECTED_SOP_INSTANCE = 0x1000;

    private final Map<Integer, byte[]> elements;

    private Commands(Map<Integer, byte[]> elements) {
        this.elements = elements;
    }

    static Commands parse(byte[] b) throws Pdus.ProtocolException {
        Map<Integer, byte[]> m = new TreeMap<>();
        int p = 0;
        while (p + 8 <= b.length) {
            int group = (b[p] & 0xff) | (b[p + 1] & 0xff) << 8;
            int element = (b[p + 2] & 0xff) | (b[p + 3] & 0xff) << 8;
            long len =
                    (b[p + 4] & 0xffL) | (b[p + 5] & 0xffL) << 8 | (b[p + 6] & 0xffL) << 16 | (b[p + 7] & 0xffL) << 24;
            if (group != 0 || p + 8 + len > b.length) {
                throw Pdus.ProtocolException.dimse(
                        "malformed command set (an element outside group 0000 or a length that lies)");
            }
            m.put(element, java.util.Arrays.copyOfRange(b, p + 8, (int) (p + 8 + len)));
            p += 8 + (int) len;
        }
        return new Commands(m);
    }

    int us(int element) {
        byte[] v = elements.get(element);
        return v == null || v.length < 2 ? -1 : (v[0] & 0xff) | (v[1] & 0xff) << 8;
    }

    String string(int element) {
        byte[] v = elements.get(element);
        return v == null
                ? ""
                : new String(v, StandardCharsets.US_ASCII).replace("\0", "").trim();
    }

    boolean hasDataset() {
        return us(DATASET_TYPE) != NO_DATASET;
    }

    /**
     * A C-STORE-RQ command set (PS3.7 9.3.1.1): Affected SOP Class UID, Command Field 0001, Message ID, Priority MEDIUM,
     * a data set following, Affected SOP Instance UID.
     */
    static byte[] storeRequest(int messageId, String sopClass, String sopInstance) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(160);
        put(body, AFFECTED_SOP_CLASS, uid(sopClass));
        put(body, COMMAND_FIELD, us16(C_STORE_RQ));
        put(body, MESSAGE_ID, us16(messageId));
        put(body, PRIORITY, us16(0));
        put(body, DATASET_TYPE, us16(0));
        put(body, AFFECTED_SOP_INSTANCE, uid(sopInstance));
        return withGroupLength(body);
    }

    static byte[] echoResponse(int messageId, String sopClass) {
        return response(C_ECHO_RSP, messageId, sopClass, null, DimseStatus.SUCCESS, null);
    }

    static byte[] storeResponse(int messageId, String sopClass, String sopInstance, int status, String comment) {
        return response(C_STORE_RSP, messageId, sopClass, sopInstance, status, comment);
    }

    /** Any response command set: Affected SOP Class/Instance when given, Status, Error Comment (at most 64 characters). */
    static byte[] response(int field, int messageId, String sopClass, String sopInstance, int status, String comment) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(160);
        if (org.srinode.dicom.Uids.isSafeForPath(sopClass)) {
            put(body, AFFECTED_SOP_CLASS, uid(sopClass));
        }
        put(body, COMMAND_FIELD, us16(field));
        put(body, MESSAGE_ID_RESPONDED, us16(messageId));
        put(body, DATASET_TYPE, us16(NO_DATASET));
        put(body, STATUS, us16(status));
        if (comment != null && !comment.isEmpty()) {
            String c = comment.length() > 64 ? comment.substring(0, 64) : comment; // LO: 64 characters at most
            put(body, ERROR_COMMENT, text(c));
        }
        if (org.srinode.dicom.Uids.isSafeForPath(sopInstance)) {
            put(body, AFFECTED_SOP_INSTANCE, uid(sopInstance));
        }
        return withGroupLength(body);
    }

    /** Command Group Length (0000,0000) in front of the elements. */
    private static byte[] withGroupLength(ByteArrayOutputStream body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 12);
        put(out, 0x0000, new byte[] {
            (byte) body.size(), (byte) (body.size() >> 8), (byte) (body.size() >> 16), (byte) (body.size() >> 24)
        });
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void put(ByteArrayOutputStream out, int element, byte[] value) {
        out.writeBytes(new byte[] {
            0,
            0,
            (byte) element,
            (byte) (element >> 8),
            (byte) value.length,
            (byte) (value.length >> 8),
            (byte) (value.length >> 16),
            (byte) (value.length >> 24)
        });
        out.writeBytes(value);
    }

    private static byte[] us16(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8)};
    }

    /** Peer-supplied UIDs are echoed in responses only when they are UIDs (digits and dots, at most 64). */
    private static byte[] uid(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return b.length % 2 == 0 ? b : java.util.Arrays.copyOf(b, b.length + 1);
    }

    private static byte[] text(String s) {
        String t = s.replaceAll("[^\\x20-\\x7e]", " ");
        return (t.length() % 2 == 0 ? t : t + " ").getBytes(StandardCharsets.US_ASCII);
    }
}
