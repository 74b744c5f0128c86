package org.srinode.dimse;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A DICOM peer that writes exactly the PDUs a test gives it, well-formed or not. */
final class RawPeer implements AutoCloseable {
    static final String MR = "1.2.840.10008.5.1.4.1.1.4";
    static final String VERIFICATION = "1.2.840.10008.1.1";
    static final String EXPLICIT_LE = "1.2.840.10008.1.2.1";
    final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    RawPeer(int port) throws IOException {
        this(port, 0);
    }

    /** A peer whose socket receive buffer is {@code receiveBuffer} bytes (0: the system's), set before connecting. */
    RawPeer(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(15000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    /** An A-ASSOCIATE-RQ body: contexts 1, 3, 5... for the abstract syntaxes, each with the transfer syntaxes. */
    static byte[] associateRq(int version, String calling, String[] abstractSyntaxes, String... transferSyntaxes) {
        return associateRq(version, calling, 0x4000, abstractSyntaxes, transferSyntaxes);
    }

    /** {@link #associateRq(int, String, String[], String...)} with the peer's Maximum Length Received. */
    static byte[] associateRq(
            int version, String calling, int maxLength, String[] abstractSyntaxes, String... transferSyntaxes) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (version >> 8), (byte) version, 0, 0});
        b.writeBytes(Pdus.aeField("SRI_NODE"));
        b.writeBytes(Pdus.aeField(calling));
        b.writeBytes(new byte[32]);
        Pdus.item(b, 0x10, Pdus.ascii(Pdus.APPLICATION_CONTEXT));
        for (int i = 0; i < abstractSyntaxes.length; i++) {
            ByteArrayOutputStream pc = new ByteArrayOutputStream();
            pc.writeBytes(new byte[] {(byte) (2 * i + 1), 0, 0, 0});
            Pdus.item(pc, 0x30, Pdus.ascii(abstractSyntaxes[i]));
            for (String t : transferSyntaxes) {
                Pdus.item(pc, 0x40, Pdus.ascii(t));
            }
            Pdus.item(b, 0x20, pc.toByteArray());
        }
        ByteArrayOutputStream ui = new ByteArrayOutputStream();
        Pdus.item(ui, 0x51, new byte[] {
            (byte) (maxLength >>> 24), (byte) (maxLength >>> 16), (byte) (maxLength >>> 8), (byte) maxLength
        });
        Pdus.item(b, 0x50, ui.toByteArray());
        return b.toByteArray();
    }

    /** Associates for MR storage (context 1) and verification (context 3); returns the answer PDU type. */
    int associate() throws IOException {
        pdu(Pdus.ASSOCIATE_RQ, associateRq(1, "RAW", new String[] {MR, VERIFICATION}, EXPLICIT_LE));
        return read().type();
    }

    void pdu(int type, byte[] body) throws IOException {
        Pdus.write(out, type, body);
    }

    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One PDV in one P-DATA-TF PDU. */
    void pdv(int pcId, boolean command, boolean last, byte[] value) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int len = value.length + 2;
        b.writeBytes(new byte[] {
            (byte) (len >>> 24),
            (byte) (len >>> 16),
            (byte) (len >>> 8),
            (byte) len,
            (byte) pcId,
            (byte) ((command ? 1 : 0) | (last ? 2 : 0))
        });
        b.writeBytes(value);
        pdu(Pdus.P_DATA, b.toByteArray());
    }

    Pdus.Pdu read() throws IOException {
        int type = in.read();
        if (type < 0) {
            return new Pdus.Pdu(-1, new byte[0]);
        }
        in.readUnsignedByte();
        int len = in.readInt();
        byte[] body = new byte[len];
        in.readFully(body);
        return new Pdus.Pdu(type, body);
    }

    /** The command set of a P-DATA-TF answer (one PDV). */
    Commands readCommand() throws IOException {
        Pdus.Pdu p = read();
        if (p.type() != Pdus.P_DATA) {
            throw new IOException("expected P-DATA-TF, got PDU type " + p.type());
        }
        byte[] value = java.util.Arrays.copyOfRange(p.body(), 6, p.body().length);
        return Commands.parse(value);
    }

    /** Echo on context 3: true when answered success. */
    boolean echo() throws IOException {
        pdv(3, true, true, command(Commands.C_ECHO_RQ, 99, VERIFICATION, null, false));
        return readCommand().us(Commands.STATUS) == 0;
    }

    /** A request command set (group 0000, implicit VR little endian). */
    static byte[] command(int field, int messageId, String sopClass, String sopInstance, boolean dataset) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (sopClass != null) {
            put(body, 0x0002, uid(sopClass));
        }
        put(body, 0x0100, new byte[] {(byte) field, (byte) (field >> 8)});
        put(body, 0x0110, new byte[] {(byte) messageId, (byte) (messageId >> 8)});
        put(body, 0x0800, dataset ? new byte[] {0, 0} : new byte[] {1, 1});
        if (sopInstance != null) {
            put(body, 0x1000, uid(sopInstance));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = body.size();
        put(out, 0x0000, new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)});
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void put(ByteArrayOutputStream out, int element, byte[] v) {
        out.writeBytes(
                new byte[] {0, 0, (byte) element, (byte) (element >> 8), (byte) v.length, (byte) (v.length >> 8), 0, 0
                });
        out.writeBytes(v);
    }

    private static byte[] uid(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return b.length % 2 == 0 ? b : java.util.Arrays.copyOf(b, b.length + 1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
