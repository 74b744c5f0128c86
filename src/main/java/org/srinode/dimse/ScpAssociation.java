package org.srinode.dimse;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.srinode.dicom.LogText;
import org.srinode.dicom.Part10;
import org.srinode.spool.Spool;

/**
 * One association after its A-ASSOCIATE-RQ has arrived, run on a worker thread: the acceptor's side
 * of the PS3.8 state machine from Sta3 (the acceptance policy answers A-ASSOCIATE-AC or -RJ)
 * through Sta6 (data transfer, handed to {@link DimseReceiver}) and Sta8 (A-RELEASE-RP) to Sta13
 * (awaiting the peer's close, bounded by ARTIM). Every protocol error sends an A-ABORT with its source
 * and reason before the transport closes; an A-RELEASE-RQ while a message is partly received aborts
 * (the partial data set is dropped, never acknowledged).
 */
final class ScpAssociation implements Runnable {
    private static final Logger LOG = Logger.getLogger(ScpAssociation.class);
    private static final AtomicInteger NUMBER = new AtomicInteger();

    private final Socket socket;
    private final byte[] associateRq;
    private final ScpSettings settings;
    private final AcceptancePolicy policy;
    private final Spool spool;
    private final StoreListener listener;
    private final Runnable onEnd;
    private final String label = "#" + NUMBER.incrementAndGet();
    private AssociationState state = AssociationState.STA3_AWAITING_LOCAL_ASSOCIATE_RESPONSE;
    private InputStream in;
    private OutputStream out;
    /** Closes the connection when a response cannot be written or a PDU trickles in (the idle timeout's blind spots). */
    private StallWatch stall;

    private String callingAe = "?";
    private DimseReceiver receiver;
    /** The peer's Maximum Length Received (PS3.8 D.1): the longest P-DATA-TF variable field it takes; 0, no limit. */
    private long peerMaxPdu;

    private AssociationEvents events = AssociationEvents.NONE;
    /** Per study, per SOP class: instances stored in this association (for {@link AssociationEvents#received}). */
    private final java.util.Map<String, java.util.Map<String, Integer>> stored = new java.util.TreeMap<>();

    /** Who hears of the stored instances and of a rejection; set before {@link #run()}. */
    ScpAssociation tellingTo(AssociationEvents events) {
        this.events = events;
        return this;
    }

    /**
     * @param associateRq the A-ASSOCIATE-RQ PDU body the acceptor read in Sta2
     * @param onEnd       run once when the association is over (frees its slot)
     */
    private final java.util.function.Consumer<Socket> awaitClose;

    private boolean handedBack;

    /**
     * @param awaitClose takes the socket in Sta13 (our last PDU sent, output shut down) to await the peer's
     *                   close elsewhere (the server's selector, bounded by ARTIM), so that this worker is free at
     *                   once; null: the worker itself waits up to ARTIM
     */
    ScpAssociation(
            Socket socket,
            byte[] associateRq,
            ScpSettings settings,
            AcceptancePolicy policy,
            Spool spool,
            StoreListener listener,
            Runnable onEnd,
            java.util.function.Consumer<Socket> awaitClose) {
        this.awaitClose = awaitClose;
        this.socket = socket;
        this.associateRq = associateRq;
        this.settings = settings;
        this.policy = policy;
        this.spool = spool;
        this.listener = listener;
        this.onEnd = onEnd;
    }

    @Override
    public void run() {
        try {
            socket.setTcpNoDelay(true);
            stall = new StallWatch(socket, settings.idleTimeoutMs());
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = new BufferedOutputStream(stall.watch(socket.getOutputStream()), 1 << 16);
            if (associate()) {
                socket.setSoTimeout(settings.idleTimeoutMs());
                dataTransfer();
            }
        } catch (SocketTimeoutException e) {
            LOG.warnf(
                    "association %s from %s: idle for %d ms, aborted",
                    label, LogText.escape(callingAe), settings.idleTimeoutMs());
            abort(Pdus.ABORT_SOURCE_USER, Pdus.ABORT_NOT_SPECIFIED);
        } catch (Pdus.ProtocolException e) {
            LOG.warnf(
                    "association %s from %s: %s in %s, aborted",
                    label, LogText.escape(callingAe), LogText.escape(e.getMessage()), state);
            abort(e.source, e.reason);
        } catch (IOException e) {
            if (stall != null && stall.fired() != null) { // the watch closed the connection
                LOG.warnf(
                        "association %s from %s in %s: %s, connection closed",
                        label, LogText.escape(callingAe), state, stall.fired());
            } else {
                LOG.debugf(
                        "association %s from %s ended: %s",
                        label, LogText.escape(callingAe), LogText.escape(e.toString()));
            }
        } catch (RuntimeException e) {
            LOG.errorf(
                    e,
                    "association %s from %s: internal error in %s, aborted",
                    label,
                    LogText.escape(callingAe),
                    state);
            abort(Pdus.ABORT_SOURCE_PROVIDER, Pdus.ABORT_NOT_SPECIFIED);
        } finally {
            if (stall != null) {
                stall.close();
            }
            if (receiver != null) {
                receiver.discard();
            }
            if (!handedBack) {
                closeQuietly();
            }
            state = AssociationState.STA1_IDLE;
            synchronized (stored) {
                if (!stored.isEmpty()) {
                    tell(() -> events.received(callingAe, socket.getInetAddress(), peerCertificateSubject(), stored));
                }
            }
            onEnd.run();
        }
    }

    /** Sta3: answers the request; true when the association is established (Sta6). */
    private boolean associate() throws IOException {
        AssociateRequest rq = AssociateRequest.parse(associateRq);
        callingAe = rq.callingAe;
        String unusableMaxLength = rq.unusableMaxLength();
        Optional<Rejection> rejection = (rq.protocolVersion & 1) == 0
                ? Optional.of(Rejection.protocolVersionNotSupported(
                        "protocol version 0x" + Integer.toHexString(rq.protocolVersion)))
                : unusableMaxLength != null
                        ? Optional.of(Rejection.noReasonGiven(unusableMaxLength))
                        : policy.evaluate(new AcceptancePolicy.Proposal(
                                rq.calledAe,
                                rq.callingAe,
                                rq.applicationContext,
                                socket.getInetAddress(),
                                peerCertificateSubject()));
        if (rejection.isPresent()) {
            Rejection r = rejection.get();
            LOG.warnf(
                    "association %s from %s (%s) rejected: %s",
                    label, LogText.escape(rq.callingAe), socket.getInetAddress().getHostAddress(), r.why());
            Pdus.write(out, Pdus.ASSOCIATE_RJ, r.pduBody());
            tell(() -> events.refused(rq.callingAe, socket.getInetAddress(), r.why()));
            awaitTransportClose();
            return false;
        }
        List<AssociateRequest.Answer> answers = rq.negotiate();
        Map<Integer, AssociateRequest.Answer> accepted = new HashMap<>();
        answers.stream().filter(AssociateRequest.Answer::accepted).forEach(a -> accepted.put(a.id(), a));
        Pdus.write(
                out,
                Pdus.ASSOCIATE_AC,
                rq.acceptBody(
                        answers, settings.maxPdu(), Part10.IMPLEMENTATION_CLASS_UID, Part10.IMPLEMENTATION_VERSION));
        state = AssociationState.STA6_ESTABLISHED;
        peerMaxPdu = rq.peerMaxPdu;
        // what the audit reports as transferred: registered instances, and the node's own output sent back (answered
        // success too, its copy dropped)
        StoreListener counting = (instance, ae) -> {
            try {
                listener.stored(instance, ae);
            } catch (Exception e) {
                if (DimseReceiver.causeOf(e, org.srinode.dicom.AlreadyHeldException.class) != null) {
                    count(instance);
                }
                throw e;
            }
            count(instance);
        };
        receiver = new DimseReceiver(accepted, spool, counting, rq.callingAe, label, this::sendCommand);
        LOG.debugf(
                "association %s from %s accepted, %d of %d contexts",
                label, LogText.escape(callingAe), accepted.size(), answers.size());
        return true;
    }

    /** Sta6 until release or abort. */
    private void dataTransfer() throws IOException {
        while (true) {
            Pdus.Pdu pdu = readPdu();
            switch (pdu.type()) {
                case Pdus.P_DATA -> receiver.pData(pdu.body());
                case Pdus.RELEASE_RQ -> {
                    if (receiver.inProgress()) {
                        throw Pdus.ProtocolException.dimse("A-RELEASE-RQ while a message was partly received");
                    }
                    state = AssociationState.STA8_AWAITING_LOCAL_RELEASE_RESPONSE;
                    Pdus.write(out, Pdus.RELEASE_RP, Pdus.releaseReply());
                    awaitTransportClose();
                    return;
                }
                case Pdus.ABORT -> {
                    LOG.debugf("association %s from %s aborted by the peer", label, LogText.escape(callingAe));
                    return;
                }
                default ->
                    throw new Pdus.ProtocolException(
                            "unexpected PDU type " + pdu.type() + " in Sta6", Pdus.ABORT_UNEXPECTED_PDU);
            }
        }
    }

    /**
     * The next PDU: its first byte may take up to the idle timeout (the socket's), the whole PDU from that byte on as
     * long again ({@link StallWatch}), so that a peer trickling one PDU a byte at a time cannot hold the association
     * (one sending a whole PDU now and then can, as any peer within the idle timeout).
     */
    private Pdus.Pdu readPdu() throws IOException {
        in.mark(1);
        int first = in.read();
        in.reset();
        if (first >= 0) {
            stall.pduStarted();
        }
        try {
            return Pdus.read(in, settings.maxPdu());
        } finally {
            stall.pduRead();
        }
    }

    private void count(org.srinode.spool.SpooledInstance instance) {
        synchronized (stored) {
            stored.computeIfAbsent(instance.header().studyInstanceUid(), k -> new java.util.TreeMap<>())
                    .merge(instance.header().sopClassUid(), 1, Integer::sum);
        }
    }

    /** Sta13: our last PDU is sent; the peer closes within ARTIM or the node does. */
    private void awaitTransportClose() {
        state = AssociationState.STA13_AWAITING_TRANSPORT_CLOSE;
        try {
            out.flush();
            if (!(socket instanceof javax.net.ssl.SSLSocket)) {
                socket.shutdownOutput(); // TLS: closing the socket sends close_notify; TLS 1.2 has no half-close
            }
            if (awaitClose != null) {
                handedBack = true;
                awaitClose.accept(socket);
                return;
            }
            socket.setSoTimeout(settings.artimTimeoutMs());
            byte[] drain = new byte[8192];
            while (in.read(drain) >= 0) {
                // the peer may still send; nothing after our last PDU is acted upon
            }
        } catch (IOException e) {
            // ARTIM expired or the peer reset: close now
        }
    }

    /** AA-1/AA-8: A-ABORT with source and reason, then Sta13. */
    private void abort(int source, int reason) {
        if (receiver != null) {
            receiver.discard();
        }
        try {
            if (out != null && !socket.isOutputShutdown() && !socket.isClosed()) {
                Pdus.write(out, Pdus.ABORT, Pdus.abortBody(source, reason));
                awaitTransportClose();
            }
        } catch (IOException ignored) {
            // the peer is gone
        }
    }

    /** Sends a response command set, fragmented to the peer's Maximum Length Received ({@link Pdus#writeCommand}). */
    private void sendCommand(int pcId, byte[] command) throws IOException {
        Pdus.writeCommand(out, pcId, command, peerMaxPdu);
    }

    /** An event listener's failure never ends or changes the association. */
    private void tell(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException e) {
            LOG.warnf("association %s: event listener failed: %s", label, e.toString());
        }
    }

    /** The subject of the peer's TLS certificate (RFC 2253), or null without TLS or without a client certificate. */
    private String peerCertificateSubject() {
        if (socket instanceof javax.net.ssl.SSLSocket tls) {
            try {
                return tls.getSession().getPeerPrincipal().getName();
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                return null;
            }
        }
        return null;
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
