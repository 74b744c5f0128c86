package org.srinode.dimse;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.srinode.dicom.LogText;

/**
 * The default acceptance policy: the DICOM application context, the node's own called AE title, and the
 * calling AE title in the allow-list (any when the list is empty). An AE title is only a claim; an entry can
 * bind it to what the peer cannot spoof as easily:
 * <ul>
 *   <li>{@code MODALITY1}: the AE title from anywhere;</li>
 *   <li>{@code MODALITY1@192.0.2.10} (or a host name, resolved at start-up): only from that address;</li>
 *   <li>{@code MODALITY1@CN=mr1.hospital.example}: only over TLS with a verified client certificate whose subject
 *       Common Name is that (case-insensitive; the TLS listener must require client certificates).</li>
 * </ul>
 * One AE title may have several entries; any one that matches accepts.
 */
public final class AeTitlePolicy implements AcceptancePolicy {
    private final String aeTitle;
    /** Calling AE title to its bindings; an empty list: any peer. */
    private final Map<String, List<Binding>> allowed = new HashMap<>();

    private record Binding(InetAddress address, String commonName) {
        boolean matches(Proposal p) {
            if (address != null) {
                return address.equals(p.peer());
            }
            return p.peerCertificate() != null && commonName.equalsIgnoreCase(commonNameOf(p.peerCertificate()));
        }

        @Override
        public String toString() {
            return address != null ? address.getHostAddress() : "CN=" + commonName;
        }
    }

    /**
     * @param allowedCallingAes allow-list entries as above; empty accepts any calling AE title
     * @throws IllegalArgumentException an entry's address cannot be resolved or its form is unknown (the message names it)
     */
    public AeTitlePolicy(String aeTitle, Set<String> allowedCallingAes) {
        this.aeTitle = aeTitle;
        for (String entry : allowedCallingAes) {
            int at = entry.indexOf('@');
            String ae = (at < 0 ? entry : entry.substring(0, at)).trim();
            List<Binding> bindings = allowed.computeIfAbsent(ae, k -> new ArrayList<>());
            if (at < 0) {
                bindings.clear();
                bindings.add(null); // unbound: any peer
                continue;
            }
            String what = entry.substring(at + 1).trim();
            if (ae.isEmpty()
                    || what.isEmpty()
                    || what.regionMatches(true, 0, "CN=", 0, 3)
                            && what.substring(3).isBlank()) {
                throw new IllegalArgumentException(
                        "allowed calling AE title entry '" + entry + "': an AE title and, after '@', an address "
                                + "or CN=<common name> (empty would bind to nothing or to anything)");
            }
            if (what.regionMatches(true, 0, "CN=", 0, 3)) {
                bindings.add(new Binding(null, what.substring(3).trim()));
            } else {
                try {
                    bindings.add(new Binding(InetAddress.getByName(what), null));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException(
                            "allowed calling AE title entry '" + entry + "': cannot resolve " + what, e);
                }
            }
        }
    }

    @Override
    public Optional<Rejection> evaluate(Proposal p) {
        if (!Pdus.APPLICATION_CONTEXT.equals(p.applicationContext())) {
            return Optional.of(Rejection.applicationContextNotSupported(
                    "application context " + LogText.escape(p.applicationContext())));
        }
        if (!aeTitle.equals(p.calledAe())) {
            return Optional.of(Rejection.calledAeTitleNotRecognized(
                    "called AE title '" + LogText.escape(p.calledAe()) + "' is not '" + aeTitle + "'"));
        }
        if (allowed.isEmpty()) {
            return Optional.empty();
        }
        List<Binding> bindings = allowed.get(p.callingAe());
        if (bindings == null) {
            return Optional.of(Rejection.callingAeTitleNotRecognized(
                    "calling AE title '" + LogText.escape(p.callingAe()) + "' is not in the allow-list"));
        }
        if (bindings.contains(null) || bindings.stream().anyMatch(b -> b.matches(p))) {
            return Optional.empty();
        }
        return Optional.of(Rejection.callingAeTitleNotRecognized(
                "calling AE title '" + LogText.escape(p.callingAe()) + "' is bound to "
                        + bindings + ", not to this peer (" + p.peer().getHostAddress()
                        + (p.peerCertificate() == null
                                ? ", no client certificate"
                                : ", certificate " + LogText.escape(p.peerCertificate()))
                        + ")"));
    }

    /**
     * The Common Name of an RFC 2253 subject; null when it has none, more than one (which one a binding means would be
     * ambiguous), or cannot be parsed: such a certificate matches no binding.
     */
    static String commonNameOf(String subject) {
        String cn = null;
        try {
            for (Rdn rdn : new LdapName(subject).getRdns()) {
                if (rdn.getType().toUpperCase(Locale.ROOT).equals("CN")) {
                    if (cn != null) {
                        return null;
                    }
                    cn = String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return cn;
    }
}
