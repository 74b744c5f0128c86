package org.srinode.dimse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A parsed A-ASSOCIATE-RQ and the A-ASSOCIATE-AC the node answers with. */
final class AssociateRequest {
    /** One proposed presentation context. */
    record Context(int id, String abstractSyntax, List<String> transferSyntaxes) {}

    /** The node's answer for one context: result 0 = acceptance, 3 = abstract syntax not supported, 4 = no transfer syntax. */
    record Answer(int id, int result, String transferSyntax, String abstractSyntax) {
        boolean accepted() {
            return result == 0;
        }
    }

    final int protocolVersion;
    final String calledAe;
    final String callingAe;
    final String applicationContext;
    final List<Context> contexts = new ArrayList<>();
    /** The peer's Maximum Length Received (PS3.8 D.1), 0 for no limit; 1 to 6 leave no room for a PDV (see
     * {@link #unusableMaxLength()}). */
    long peerMaxPdu;

    private AssociateRequest(int protocolVersion, String calledAe, String callingAe, String applicationContext) {
        this.protocolVersion = protocolVersion;
        this.calledAe = calledAe;
        this.callingAe = callingAe;
        this.applicationContext = applicationContext;
    }

    /**
     * Parses an A-ASSOCIATE-RQ PDU body (PS3.8 section 9.3.2). Every item and sub-item length is
     * checked against its container; a length that lies is a protocol error (A-ABORT, invalid PDU
     * parameter value), never an index fault. Unknown items are skipped as the standard asks.
     */
    static AssociateRequest parse(byte[] b) throws Pdus.ProtocolException {
        try {
            return parseChecked(b);
        } catch (RuntimeException e) {
            throw new Pdus.ProtocolException("malformed A-ASSOCIATE-RQ: " + e, Pdus.ABORT_INVALID_PARAMETER);
        }
    }

    private static AssociateRequest parseChecked(byte[] b) throws Pdus.ProtocolException {
        if (b.length < 68) {
            throw invalid("A-ASSOCIATE-RQ of " + b.length + " bytes is shorter than its fixed fields");
        }
        int version = Pdus.u16(b, 0);
        String called = Pdus.aeTitle(b, 4);
        String calling = Pdus.aeTitle(b, 20);
        String appContext = null;
        List<Context> contexts = new ArrayList<>();
        long maxPdu = 0;
        boolean userInfo = false;
        int p = 68;
        while (p < b.length) {
            if (p + 4 > b.length) {
                throw invalid("truncated item header at byte " + p);
            }
            int type = b[p] & 0xff;
            int len = Pdus.u16(b, p + 2);
            int start = p + 4;
            if (start + len > b.length) {
                throw invalid("item 0x" + Integer.toHexString(type) + " of " + len + " bytes overruns the PDU");
            }
            switch (type) {
                case 0x10 -> appContext = text(b, start, len);
                case 0x20 -> contexts.add(parseContext(b, start, len));
                case 0x50 -> {
                    maxPdu = parseUserInfo(b, start, len);
                    userInfo = true;
                }
                default -> {}
            }
            p = start + len;
        }
        if (appContext == null) {
            throw invalid("no Application Context item");
        }
        if (contexts.isEmpty()) {
            throw invalid("no Presentation Context item");
        }
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        for (Context pc : contexts) {
            // PS3.8 9.3.2.2: each presentation context ID is unique in the association; a repeated one would make
            // the peer and the node read a P-DATA's context differently
            if (!ids.add(pc.id())) {
                throw invalid("presentation context ID " + pc.id() + " is proposed twice");
            }
        }
        if (!userInfo) {
            throw invalid("no User Information item");
        }
        AssociateRequest rq = new AssociateRequest(version, called, calling, appContext);
        rq.contexts.addAll(contexts);
        rq.peerMaxPdu = maxPdu;
        return rq;
    }

    /**
     * Why the peer's Maximum Length Received leaves no room for any PDV (a PDV item takes 6 bytes besides its data),
     * or null: such an association could get no response, so it is rejected.
     */
    String unusableMaxLength() {
        return Pdus.unusableMaxLength(peerMaxPdu);
    }

    private static Pdus.ProtocolException invalid(String why) {
        return new Pdus.ProtocolException(why, Pdus.ABORT_INVALID_PARAMETER);
    }

    private static Context parseContext(byte[] b, int start, int len) throws Pdus.ProtocolException {
        if (len < 4) {
            throw invalid("presentation context item of " + len + " bytes");
        }
        int id = b[start] & 0xff;
        if (id % 2 == 0) {
            throw invalid("presentation context ID " + id + " is not odd");
        }
        String abs = null;
        List<String> ts = new ArrayList<>();
        int end = start + len;
        int p = start + 4;
        while (p < end) {
            if (p + 4 > end) {
                throw invalid("truncated sub-item in presentation context " + id);
            }
            int type = b[p] & 0xff;
            int l = Pdus.u16(b, p + 2);
            if (p + 4 + l > end) {
                throw invalid("sub-item 0x" + Integer.toHexString(type) + " overruns presentation context " + id);
            }
            if (type == 0x30) {
                abs = text(b, p + 4, l);
            } else if (type == 0x40) {
                ts.add(text(b, p + 4, l));
            }
            p += 4 + l;
        }
        if (abs == null || ts.isEmpty()) {
            throw invalid("presentation context " + id + " without an abstract syntax or a transfer syntax");
        }
        return new Context(id, abs, ts);
    }

    private static long parseUserInfo(byte[] b, int start, int len) throws Pdus.ProtocolException {
        int end = start + len;
        int p = start;
        long maxPdu = 0;
        while (p < end) {
            if (p + 4 > end) {
                throw invalid("truncated user information sub-item");
            }
            int type = b[p] & 0xff;
            int l = Pdus.u16(b, p + 2);
            if (p + 4 + l > end) {
                throw invalid("user information sub-item 0x" + Integer.toHexString(type) + " overruns its item");
            }
            if (type == 0x51) {
                if (l != 4) { // PS3.8 D.1: the Maximum Length sub-item holds one 32-bit value
                    throw invalid("Maximum Length sub-item of " + l + " bytes (4 expected)");
                }
                maxPdu = Pdus.u32(b, p + 4);
            }
            p += 4 + l;
        }
        return maxPdu;
    }

    private static String text(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.US_ASCII)
                .replace("\0", "")
                .trim();
    }

    /** Chooses, per context, the first proposed transfer syntax the node accepts. */
    List<Answer> negotiate() {
        List<Answer> answers = new ArrayList<>();
        for (Context c : contexts) {
            boolean verification = SopClasses.isVerification(c.abstractSyntax());
            if (!verification && !SopClasses.isStorage(c.abstractSyntax())) {
                answers.add(new Answer(c.id(), 3, TransferSyntaxes.IMPLICIT_LE, c.abstractSyntax()));
                continue;
            }
            String chosen = c.transferSyntaxes().stream()
                    .filter(ts -> verification
                            ? ts.equals(TransferSyntaxes.IMPLICIT_LE) || ts.equals(TransferSyntaxes.EXPLICIT_LE)
                            : TransferSyntaxes.isAccepted(ts))
                    .findFirst()
                    .orElse(null);
            answers.add(
                    chosen == null
                            ? new Answer(c.id(), 4, TransferSyntaxes.IMPLICIT_LE, c.abstractSyntax())
                            : new Answer(c.id(), 0, chosen, c.abstractSyntax()));
        }
        return answers;
    }

    byte[] acceptBody(
            List<Answer> answers, int maxPduReceive, String implementationClassUid, String implementationVersion) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(0);
        out.write(1);
        out.write(0);
        out.write(0);
        out.writeBytes(Pdus.aeField(calledAe));
        out.writeBytes(Pdus.aeField(callingAe));
        out.writeBytes(new byte[32]);
        Pdus.item(out, 0x10, Pdus.ascii(Pdus.APPLICATION_CONTEXT));
        for (Answer a : answers) {
            ByteArrayOutputStream pc = new ByteArrayOutputStream();
            pc.write(a.id());
            pc.write(0);
            pc.write(a.result());
            pc.write(0);
            Pdus.item(pc, 0x40, Pdus.ascii(a.transferSyntax()));
            Pdus.item(out, 0x21, pc.toByteArray());
        }
        ByteArrayOutputStream ui = new ByteArrayOutputStream();
        Pdus.item(ui, 0x51, new byte[] {
            (byte) (maxPduReceive >>> 24),
            (byte) (maxPduReceive >>> 16),
            (byte) (maxPduReceive >>> 8),
            (byte) maxPduReceive
        });
        Pdus.item(ui, 0x52, Pdus.ascii(implementationClassUid));
        Pdus.item(ui, 0x55, Pdus.ascii(implementationVersion));
        Pdus.item(out, 0x50, ui.toByteArray());
        return out.toByteArray();
    }
}
