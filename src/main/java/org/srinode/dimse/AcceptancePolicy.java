package org.srinode.dimse;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Decides whether an association request is accepted (the "local A-ASSOCIATE response" of PS3.8
 * Sta3). The upper layer itself refuses an unsupported protocol version and enforces the association
 * limit; everything else (called and calling AE titles, application context, peers) is this one
 * replaceable piece.
 */
@FunctionalInterface
public interface AcceptancePolicy {
    /**
     * What an A-ASSOCIATE-RQ proposes, and who sent it.
     *
     * @param calledAe           Called AE Title, trimmed (peer-supplied: escape it before logging)
     * @param callingAe          Calling AE Title, trimmed (peer-supplied)
     * @param applicationContext Application Context Name UID
     * @param peer               address of the peer
     * @param peerCertificate    subject of the peer's TLS client certificate (RFC 2253 form), verified by the handshake;
     *                           null over plain TCP or when the peer sent none
     */
    record Proposal(
            String calledAe, String callingAe, String applicationContext, InetAddress peer, String peerCertificate) {
        /** A proposal over plain TCP. */
        public Proposal(String calledAe, String callingAe, String applicationContext, InetAddress peer) {
            this(calledAe, callingAe, applicationContext, peer, null);
        }
    }

    /** Empty to accept, or the rejection to send. */
    Optional<Rejection> evaluate(Proposal proposal);
}
