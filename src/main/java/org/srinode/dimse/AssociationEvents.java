package org.srinode.dimse;

import java.net.InetAddress;
import java.util.Map;

/**
 * What the SCP tells about its associations, for an audit trail: the instances an association stored and
 * the peers it refused. Called on the SCP's threads; implementations must not block for long.
 */
public interface AssociationEvents {
    /**
     * An association ended after storing instances.
     *
     * @param certificate subject of the peer's TLS client certificate, or null
     * @param stored      per Study Instance UID, per SOP Class UID, the number of instances stored
     */
    void received(String callingAe, InetAddress peer, String certificate, Map<String, Map<String, Integer>> stored);

    /**
     * A peer was refused: an association request rejected by the acceptance policy, or a failed TLS handshake.
     *
     * @param callingAe the Calling AE Title it claimed, or null before an association request
     * @param why       the reason, as logged
     */
    void refused(String callingAe, InetAddress peer, String why);

    /** Tells nothing. */
    AssociationEvents NONE = new AssociationEvents() {
        @Override
        public void received(
                String callingAe, InetAddress peer, String certificate, Map<String, Map<String, Integer>> stored) {}

        @Override
        public void refused(String callingAe, InetAddress peer, String why) {}
    };
}
