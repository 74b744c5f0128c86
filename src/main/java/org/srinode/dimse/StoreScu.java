package org.srinode.dimse;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.Part10;
import org.srinode.dicom.Uids;

/**
 * The node's Storage SCU (PS3.4 Annex B; C-STORE as PS3.7 9.1.1 defines it) on the DICOM upper layer (PS3.8), in
 * clear or over TLS with the BCP 195 profile (PS3.15 B.9 to B.11). Files leave as they are stored: each data set is
 * streamed from its Part 10 file in the transfer syntax it was received in, never transcoded, over one presentation
 * context per (SOP class, transfer syntax) pair. One association carries up to 128 such pairs (the odd context IDs
 * 1 to 255); more pairs take more associations. Requests are sent one at a time (no asynchronous operations
 * window): each C-STORE-RQ waits for its C-STORE-RSP.
 *
 * <p>A response with status Success (0000) or Warning (0001, 0107, 0116, Bxxx; PS3.4 B.2.3) acknowledges an
 * instance; every other status, a context the peer rejected, and an association that breaks off count as failed.
 *
 * <p>Longer than the project's 300 lines: it is the SCU's whole association (PS3.8 Sta4 to Sta13: request, reply,
 * transfer, release or abort, with its watchdog for a peer that stops reading) kept in one place like the SCP's
 * {@link ScpAssociation}; the PDU framing it shares with the SCP is {@link Pdus}'.
 */
final class StoreScu {
    /** The Maximum Length Receive the SCU announces (it receives only C-STORE-RSP command sets). */
    static final int MAX_RECEIVE = 65536;
    /** The largest P-DATA-TF PDU it sends, also when the peer announces no limit (0), in bytes. */
    static final int MAX_SEND = 1 << 20;

    private static final int MAX_CONTEXTS = 128;
    private static final int MAX_REPLY = 1 << 20;
    private static final int RELEASE_TIMEOUT_MS = 10000;

    /**
     * Where and how to send.
     *
     * @param host              remote host name or address
     * @param port              remote port
     * @param calledAe          the remote AE title (1 to 16 characters)
     * @param callingAe         the node's AE title (1 to 16 characters)
     * @param tls               SSL context of the TLS connection, or null for plain TCP
     * @param verifyHostname    with TLS: the peer's certificate must name {@code host} (RFC 6125, as for HTTPS)
     * @param connectTimeoutMs  TCP connect and TLS handshake limit, in ms
     * @param responseTimeoutMs longest wait for the A-ASSOCIATE reply and for each C-STORE-RSP, and longest a write may stay
     *                          blocked on a peer that does not read, in ms
     */
    record Settings(
            String host,
            int port,
            String calledAe,
            String callingAe,
            SSLContext tls,
            boolean verifyHostname,
            int connectTimeoutMs,
            int responseTimeoutMs) {
        String peer() {
            return calledAe + "@" + host + ":" + port + (tls == null ? "" : " (TLS)");
        }
    }

    /** The context an instance travels in. */
    record Pair(String sopClass, String transferSyntax) {}

    private record Item(Path file, Part10.FileMeta meta) {}

    private StoreScu() {}

    /**
     * Sends every file and returns how many were acknowledged.
     *
     * @throws DimseTransferException unless every file was acknowledged; the message says how many were, which failed
     *                                and why (status and Error Comment, a rejected context, an A-ASSOCIATE-RJ, a failed
     *                                TLS handshake or connection)
     */
    static int send(Settings s, Collection<Path> files) throws DimseTransferException {
        List<String> missing = new ArrayList<>();
        Map<Pair, List<Item>> byPair = new LinkedHashMap<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                missing.add(f.toString());
                continue;
            }
            Part10.FileMeta meta;
            try {
                meta = Part10.readMeta(f);
            } catch (IOException | InvalidDicomException e) {
                throw new DimseTransferException("cannot send " + f + ": " + e.getMessage(), e);
            }
            try {
                if (Files.size(f) <= meta.datasetOffset()) {
                    throw new DimseTransferException(
                            "cannot send " + f + ": it holds File Meta Information but no data set");
                }
            } catch (IOException e) {
                throw new DimseTransferException("cannot send " + f + ": " + e.getMessage(), e);
            }
            if (!Uids.isSafeForPath(meta.sopClassUid())
                    || !Uids.isSafeForPath(meta.sopInstanceUid())
                    || !Uids.isSafeForPath(meta.transferSyntaxUid())) {
                throw new DimseTransferException(
                        "cannot send " + f + ": its File Meta Information holds a malformed UID");
            }
            byPair.computeIfAbsent(new Pair(meta.sopClassUid(), meta.transferSyntaxUid()), k -> new ArrayList<>())
                    .add(new Item(f, meta));
        }
        if (!missing.isEmpty()) {
            throw new DimseTransferException(missing.size() + " file(s) to send are missing, e.g. " + missing.get(0));
        }
        List<Pair> pairs = new ArrayList<>(byPair.keySet());
        Tally tally = new Tally();
        for (int from = 0; from < pairs.size(); from += MAX_CONTEXTS) {
            Map<Pair, List<Item>> batch = new LinkedHashMap<>();
            for (Pair p : pairs.subList(from, Math.min(pairs.size(), from + MAX_CONTEXTS))) {
                batch.put(p, byPair.get(p));
            }
            associate(s, batch, tally);
        }
        int total = files.size();
        if (tally.acknowledged != total) {
            throw new DimseTransferException("C-STORE to " + s.peer() + ": " + tally.acknowledged + " of " + total
                    + " acknowledged, " + (total - tally.acknowledged) + " not: " + String.join("; ", tally.reasons));
        }
        return tally.acknowledged;
    }

    /** Counts and the first few reasons of failure. */
    private static final class Tally {
        int acknowledged;
        final List<String> reasons = new ArrayList<>();

        void fail(String reason) {
            if (reasons.size() < 3) {
                reasons.add(reason);
            } else if (reasons.size() == 3) {
                reasons.add("...");
            }
        }
    }

    private static void associate(Settings s, Map<Pair, List<Item>> batch, Tally tally) {
        List<Pair> pairs = new ArrayList<>(batch.keySet());
        try (Socket socket = open(s)) {
            InputStream in = socket.getInputStream();
            OutputStream raw = socket.getOutputStream();
            StallWatch watch = new StallWatch(socket, s.responseTimeoutMs());
            OutputStream out = new BufferedOutputStream(watch.watch(raw), 65536);
            try {
                Accepted ac;
                try {
                    Pdus.write(out, Pdus.ASSOCIATE_RQ, requestBody(s, pairs));
                    watch.awaiting("the A-ASSOCIATE reply");
                    ac = readReply(in, s);
                    watch.arrived();
                } catch (IOException e) {
                    throw pendingAlert(socket, in, e);
                }
                transfer(in, out, watch, pairs, batch, ac, tally);
                release(socket, in, out, watch);
            } catch (AssociationRejected e) {
                throw e;
            } catch (Pdus.ProtocolException e) {
                abortQuietly(out, e.source, e.reason);
                throw e;
            } catch (IOException e) {
                // PS3.8 AA-8 style: whatever broke (a timeout, a stalled or vanished peer), the association ends with
                // an A-ABORT
                abortQuietly(out, Pdus.ABORT_SOURCE_USER, Pdus.ABORT_NOT_SPECIFIED);
                throw watch.fired() != null ? new SocketTimeoutException(watch.fired()) : e;
            } finally {
                watch.close();
            }
        } catch (AssociationRejected e) {
            tally.fail(e.getMessage());
        } catch (SSLException e) {
            tally.fail("TLS with " + s.peer() + " failed: " + e.getMessage());
        } catch (SocketTimeoutException e) {
            tally.fail("no progress with " + s.peer() + " within " + s.responseTimeoutMs() + " ms (" + e.getMessage()
                    + ")");
        } catch (IOException e) {
            tally.fail("association with " + s.peer() + " failed: " + e);
        }
    }

    /** Sends each pair's files over its context, one C-STORE-RQ after the other, and tallies the responses. */
    private static void transfer(
            InputStream in,
            OutputStream out,
            StallWatch watch,
            List<Pair> pairs,
            Map<Pair, List<Item>> batch,
            Accepted ac,
            Tally tally)
            throws IOException {
        String unusable = Pdus.unusableMaxLength(ac.peerMaxPdu);
        if (unusable != null) {
            throw new Pdus.ProtocolException("the peer's " + unusable, Pdus.ABORT_INVALID_PARAMETER);
        }
        int fragment = (int) Math.min(MAX_SEND, ac.peerMaxPdu == 0 ? MAX_SEND : ac.peerMaxPdu) - 6;
        int messageId = 0;
        for (int i = 0; i < pairs.size(); i++) {
            int pcId = 2 * i + 1;
            Pair pair = pairs.get(i);
            List<Item> items = batch.get(pair);
            String result = ac.results.get(pcId);
            String accepted = ac.transferSyntaxes.get(pcId);
            if (result == null && accepted != null && !accepted.equals(pair.transferSyntax)) {
                result = "the peer accepted transfer syntax " + accepted + " instead of the proposed "
                        + pair.transferSyntax;
            }
            if (result != null) {
                for (Item it : items) {
                    tally.fail(it.meta.sopInstanceUid() + ": " + result);
                }
                continue;
            }
            for (Item it : items) {
                messageId = (messageId % 0xFFFF) + 1;
                Pdus.writeCommand(
                        out,
                        pcId,
                        Commands.storeRequest(messageId, pair.sopClass, it.meta.sopInstanceUid()),
                        ac.peerMaxPdu());
                writeDataset(out, pcId, it, fragment);
                watch.awaiting("the C-STORE-RSP");
                Commands rsp = readResponse(in, messageId);
                watch.arrived();
                int status = rsp.us(Commands.STATUS);
                String answered = rsp.string(Commands.AFFECTED_SOP_INSTANCE);
                if (!answered.isEmpty() && !answered.equals(it.meta.sopInstanceUid())) {
                    tally.fail(it.meta.sopInstanceUid() + ": the response names another instance (" + answered + ")");
                } else if (acknowledges(status)) {
                    tally.acknowledged++;
                } else {
                    String comment = rsp.string(Commands.ERROR_COMMENT);
                    tally.fail(it.meta.sopInstanceUid() + ": status " + DimseStatus.hex(status)
                            + (comment.isEmpty() ? "" : " (" + comment + ")"));
                }
            }
        }
    }

    private static void abortQuietly(OutputStream out, int source, int reason) {
        try {
            Pdus.write(out, Pdus.ABORT, Pdus.abortBody(source, reason));
        } catch (IOException ignored) {
            // the association ends either way
        }
    }

    /**
     * With TLS 1.3 a server checks the client's certificate after the client has finished its handshake, so its refusal
     * (an alert such as certificate_required) can arrive while the A-ASSOCIATE-RQ is written, which then fails with a
     * broken pipe. Reading once surfaces the alert, so the reason logged is the certificate, not the pipe.
     */
    private static IOException pendingAlert(Socket socket, InputStream in, IOException e) {
        if (socket instanceof SSLSocket && !(e instanceof SSLException)) {
            try {
                socket.setSoTimeout(1000);
                in.read();
            } catch (SSLException alert) {
                return alert;
            } catch (IOException ignored) {
                // no alert to be had: the original failure stands
            }
        }
        return e;
    }

    /** PS3.4 B.2.3: Success, and the Warning statuses (the instance was stored, perhaps with coercion). */
    static boolean acknowledges(int status) {
        return status == 0x0000
                || status == 0x0001
                || status == 0x0107
                || status == 0x0116
                || (status & 0xF000) == 0xB000;
    }

    private static Socket open(Settings s) throws IOException {
        Socket socket = s.tls == null ? new Socket() : s.tls.getSocketFactory().createSocket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(s.host, s.port), s.connectTimeoutMs);
            if (socket instanceof SSLSocket ssl) {
                ssl.setUseClientMode(true);
                SSLParameters p = ssl.getSSLParameters();
                p.setProtocols(DicomTls.supported(DicomTls.PROTOCOLS, ssl.getSupportedProtocols()));
                p.setCipherSuites(DicomTls.supported(DicomTls.CIPHER_SUITES, ssl.getSupportedCipherSuites()));
                if (s.verifyHostname) {
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                }
                ssl.setSSLParameters(p);
                ssl.setSoTimeout(s.connectTimeoutMs);
                // whole within the connect timeout: a peer trickling its handshake records cannot hold the worker
                try (StallWatch handshake = new StallWatch(socket, s.connectTimeoutMs)) {
                    handshake.awaiting("the peer's part of the TLS handshake");
                    try {
                        ssl.startHandshake();
                    } catch (IOException e) {
                        throw handshake.fired() != null ? new SSLException(handshake.fired(), e) : e;
                    }
                    handshake.arrived();
                    if (handshake.fired() != null) { // fired as the handshake ended: the socket is being closed
                        throw new SSLException(handshake.fired());
                    }
                }
            }
            socket.setSoTimeout(s.responseTimeoutMs);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** A-ASSOCIATE-RQ (PS3.8 9.3.2): one presentation context per pair, ID 2i+1, with exactly its transfer syntax. */
    static byte[] requestBody(Settings s, List<Pair> pairs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 96 * pairs.size());
        out.writeBytes(new byte[] {0, 1, 0, 0});
        out.writeBytes(Pdus.aeField(s.calledAe));
        out.writeBytes(Pdus.aeField(s.callingAe));
        out.writeBytes(new byte[32]);
        Pdus.item(out, 0x10, Pdus.ascii(Pdus.APPLICATION_CONTEXT));
        for (int i = 0; i < pairs.size(); i++) {
            ByteArrayOutputStream pc = new ByteArrayOutputStream();
            pc.writeBytes(new byte[] {(byte) (2 * i + 1), 0, 0, 0});
            Pdus.item(pc, 0x30, Pdus.ascii(pairs.get(i).sopClass));
            Pdus.item(pc, 0x40, Pdus.ascii(pairs.get(i).transferSyntax));
            Pdus.item(out, 0x20, pc.toByteArray());
        }
        ByteArrayOutputStream ui = new ByteArrayOutputStream();
        Pdus.item(ui, 0x51, new byte[] {
            (byte) (MAX_RECEIVE >>> 24), (byte) (MAX_RECEIVE >>> 16), (byte) (MAX_RECEIVE >>> 8), (byte) MAX_RECEIVE
        });
        Pdus.item(ui, 0x52, Pdus.ascii(Part10.IMPLEMENTATION_CLASS_UID));
        Pdus.item(ui, 0x55, Pdus.ascii(Part10.IMPLEMENTATION_VERSION));
        Pdus.item(out, 0x50, ui.toByteArray());
        return out.toByteArray();
    }

    /**
     * What an A-ASSOCIATE-AC said: the peer's Maximum Length Receive, per refused context ID why, and per accepted one the
     * transfer syntax it accepted.
     */
    record Accepted(long peerMaxPdu, Map<Integer, String> results, Map<Integer, String> transferSyntaxes) {}

    /** An A-ASSOCIATE-RJ or an A-ABORT instead of the acceptance. */
    static final class AssociationRejected extends IOException {
        AssociationRejected(String message) {
            super(message);
        }
    }

    private static Accepted readReply(InputStream in, Settings s) throws IOException {
        Pdus.Pdu reply = Pdus.readAssociateReply(in, MAX_REPLY);
        byte[] body = reply.body();
        return switch (reply.type()) {
            case Pdus.ASSOCIATE_AC -> parseAccept(body);
            case Pdus.ASSOCIATE_RJ ->
                throw new AssociationRejected(s.peer() + " rejected the association: " + rejection(body));
            default ->
                throw new AssociationRejected(s.peer() + " aborted the association request (source " + (body[2] & 0xff)
                        + ", reason " + (body[3] & 0xff) + ")");
        };
    }

    /** The A-ASSOCIATE-RJ's result, source and reason in words (PS3.8 Table 9-21). */
    static String rejection(byte[] b) {
        if (b.length < 4) {
            return "malformed A-ASSOCIATE-RJ";
        }
        int result = b[1] & 0xff;
        int source = b[2] & 0xff;
        int reason = b[3] & 0xff;
        String why = switch (source * 16 + reason) {
            case 0x11 -> "no reason given";
            case 0x12 -> "application context name not supported";
            case 0x13 -> "calling AE title not recognized";
            case 0x17 -> "called AE title not recognized";
            case 0x21 -> "no reason given (ACSE)";
            case 0x22 -> "protocol version not supported";
            case 0x31 -> "temporary congestion";
            case 0x32 -> "local limit exceeded";
            default -> "source " + source + ", reason " + reason;
        };
        return (result == 2 ? "transient" : "permanent") + ", " + why;
    }

    static Accepted parseAccept(byte[] b) throws Pdus.ProtocolException {
        if (b.length < 68) {
            throw new Pdus.ProtocolException("A-ASSOCIATE-AC of " + b.length + " bytes", Pdus.ABORT_INVALID_PARAMETER);
        }
        Map<Integer, String> refused = new LinkedHashMap<>();
        Map<Integer, String> syntaxes = new LinkedHashMap<>();
        List<Integer> seen = new ArrayList<>();
        long maxPdu = 0;
        int p = 68;
        while (p + 4 <= b.length) {
            int type = b[p] & 0xff;
            int len = Pdus.u16(b, p + 2);
            int start = p + 4;
            if (start + len > b.length) {
                throw new Pdus.ProtocolException(
                        "item 0x" + Integer.toHexString(type) + " overruns the A-ASSOCIATE-AC",
                        Pdus.ABORT_INVALID_PARAMETER);
            }
            if (type == 0x21 && len >= 4) {
                int id = b[start] & 0xff;
                int result = b[start + 2] & 0xff;
                seen.add(id);
                int q = start + 4;
                while (q + 4 <= start + len) {
                    int l = Pdus.u16(b, q + 2);
                    if ((b[q] & 0xff) == 0x40 && q + 4 + l <= start + len) {
                        syntaxes.put(
                                id,
                                new String(b, q + 4, l, java.nio.charset.StandardCharsets.US_ASCII)
                                        .replace("\0", "")
                                        .trim());
                    }
                    q += 4 + l;
                }
                if (result != 0) {
                    refused.put(
                            id,
                            switch (result) {
                                case 1 -> "the peer refused the presentation context (user rejection)";
                                case 2 -> "the peer refused the presentation context (no reason)";
                                case 3 -> "the peer does not support the SOP class";
                                case 4 -> "the peer does not accept the transfer syntax";
                                default -> "the peer refused the presentation context (result " + result + ")";
                            });
                }
            } else if (type == 0x50) {
                int q = start;
                while (q + 4 <= start + len) {
                    int l = Pdus.u16(b, q + 2);
                    if ((b[q] & 0xff) == 0x51 && l == 4 && q + 8 <= start + len) {
                        maxPdu = Pdus.u32(b, q + 4);
                    }
                    q += 4 + l;
                }
            }
            p = start + len;
        }
        for (int id = 1; id < 256; id += 2) {
            if (!seen.contains(id)) {
                refused.putIfAbsent(id, "the peer did not answer the presentation context");
            }
        }
        return new Accepted(maxPdu, refused, syntaxes);
    }

    /** Streams the data set from its offset in the Part 10 file in fragments of at most {@code fragment} bytes. */
    private static void writeDataset(OutputStream out, int pcId, Item it, int fragment) throws IOException {
        long remaining = Files.size(it.file) - it.meta.datasetOffset();
        byte[] buf = new byte[(int) Math.min(fragment, Math.max(0, remaining))];
        try (InputStream in = Files.newInputStream(it.file)) {
            in.skipNBytes(it.meta.datasetOffset());
            do {
                int n = (int) Math.min(buf.length, remaining);
                new DataInputStream(in).readFully(buf, 0, n);
                remaining -= n;
                int len = n + 2;
                out.write(new byte[] {
                    Pdus.P_DATA,
                    0,
                    (byte) ((len + 4) >>> 24),
                    (byte) ((len + 4) >>> 16),
                    (byte) ((len + 4) >>> 8),
                    (byte) (len + 4),
                    (byte) (len >>> 24),
                    (byte) (len >>> 16),
                    (byte) (len >>> 8),
                    (byte) len,
                    (byte) pcId,
                    (byte) (remaining == 0 ? 0x02 : 0x00)
                });
                out.write(buf, 0, n);
            } while (remaining > 0);
        }
        out.flush();
    }

    /** Reads P-DATA-TF PDUs until a whole command set arrives: the C-STORE-RSP to {@code messageId}. */
    private static Commands readResponse(InputStream in, int messageId) throws IOException {
        ByteArrayOutputStream command = new ByteArrayOutputStream(256);
        while (true) {
            Pdus.Pdu pdu = Pdus.read(in, MAX_RECEIVE);
            if (pdu.type() == Pdus.ABORT) {
                throw new IOException("the peer aborted the association (source " + (pdu.body()[2] & 0xff) + ", reason "
                        + (pdu.body()[3] & 0xff) + ")");
            }
            if (pdu.type() != Pdus.P_DATA) {
                throw new Pdus.ProtocolException(
                        "PDU type " + pdu.type() + " while waiting for a C-STORE-RSP", Pdus.ABORT_UNEXPECTED_PDU);
            }
            byte[] b = pdu.body();
            int p = 0;
            while (p + 6 <= b.length) {
                long len = Pdus.u32(b, p);
                if (len < 2 || p + 4 + len > b.length) {
                    throw new Pdus.ProtocolException(
                            "PDV of " + len + " bytes in a P-DATA-TF of " + b.length, Pdus.ABORT_INVALID_PARAMETER);
                }
                int control = b[p + 5] & 0xff;
                if ((control & 0x01) == 0) {
                    throw Pdus.ProtocolException.dimse("a data set fragment where a C-STORE-RSP was expected");
                }
                command.write(b, p + 6, (int) len - 2);
                if (command.size() > DimseReceiver.MAX_COMMAND) {
                    throw Pdus.ProtocolException.dimse("a command set over " + DimseReceiver.MAX_COMMAND + " bytes");
                }
                p += 4 + (int) len;
                if ((control & 0x02) != 0) {
                    Commands rsp = Commands.parse(command.toByteArray());
                    if (rsp.us(Commands.COMMAND_FIELD) != Commands.C_STORE_RSP
                            || rsp.us(Commands.MESSAGE_ID_RESPONDED) != messageId) {
                        throw Pdus.ProtocolException.dimse("expected the C-STORE-RSP to message " + messageId
                                + ", got command field 0x" + Integer.toHexString(rsp.us(Commands.COMMAND_FIELD))
                                + " for message " + rsp.us(Commands.MESSAGE_ID_RESPONDED));
                    }
                    return rsp;
                }
            }
        }
    }

    /**
     * A-RELEASE-RQ, then the A-RELEASE-RP within {@link #RELEASE_TIMEOUT_MS} per read and the response timeout in all
     * ({@code watch}: a peer trickling PDUs instead cannot hold the worker); a peer that never answers only delays the
     * close.
     */
    private static void release(Socket socket, InputStream in, OutputStream out, StallWatch watch) {
        try {
            Pdus.write(out, Pdus.RELEASE_RQ, Pdus.releaseReply());
            socket.setSoTimeout(RELEASE_TIMEOUT_MS);
            watch.awaiting("the A-RELEASE-RP");
            Pdus.read(in, MAX_RECEIVE);
            watch.arrived();
        } catch (IOException ignored) {
            // every instance was answered already; the connection is closed either way
        }
    }
}
