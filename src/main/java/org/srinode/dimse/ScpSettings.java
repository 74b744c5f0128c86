package org.srinode.dimse;

import java.util.Set;

/**
 * What the SCP enforces.
 *
 * @param aeTitle           called AE title the node answers to
 * @param port              TCP port (0: any free port)
 * @param bindAddress       address to listen on
 * @param allowedCallingAes calling AE titles accepted; empty accepts any
 * @param maxAssociations   concurrent associations; more are rejected (transient, local limit exceeded)
 * @param maxPdu            largest PDU the node receives
 * @param idleTimeoutMs     an association silent for this long is aborted
 */
public record ScpSettings(String aeTitle, int port, String bindAddress, Set<String> allowedCallingAes, int maxAssociations,
                          int maxPdu, int idleTimeoutMs) {
}
