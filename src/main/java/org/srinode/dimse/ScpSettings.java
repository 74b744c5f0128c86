package org.srinode.dimse;

import java.util.Set;

/**
 * What the SCP enforces.
 *
 * @param aeTitle               called AE title the node answers to
 * @param port                  TCP port (0: any free port)
 * @param bindAddress           address to listen on
 * @param allowedCallingAes     calling AE titles accepted; empty accepts any
 * @param maxAssociations       concurrent associations (worker threads); more are rejected (transient, local limit exceeded)
 * @param maxPdu                largest P-DATA-TF PDU the node receives (its Maximum Length Receive), bytes
 * @param idleTimeoutMs         an established association silent for this long is aborted
 * @param artimTimeoutMs        PS3.8 ARTIM: a connection must send its A-ASSOCIATE-RQ within this time, and a peer
 *                              must close within it after release or abort
 * @param maxPendingConnections connections accepted but not yet associated; beyond this the oldest is dropped
 */
public record ScpSettings(
        String aeTitle,
        int port,
        String bindAddress,
        Set<String> allowedCallingAes,
        int maxAssociations,
        int maxPdu,
        int idleTimeoutMs,
        int artimTimeoutMs,
        int maxPendingConnections) {}
