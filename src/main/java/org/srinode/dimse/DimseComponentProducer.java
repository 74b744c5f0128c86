package org.srinode.dimse;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.net.InetAddress;
import java.util.Map;
import org.srinode.audit.AuditTrail;

/** Registers the {@code dimse:} component with Camel, its SCP events going to the node's audit trail. */
@ApplicationScoped
public class DimseComponentProducer {
    @Inject
    AuditTrail audit;

    @Produces
    @Named("dimse")
    @ApplicationScoped
    DimseComponent dimse() {
        DimseComponent c = new DimseComponent();
        c.setAssociationEvents(new AssociationEvents() {
            @Override
            public void received(
                    String callingAe, InetAddress peer, String certificate, Map<String, Map<String, Integer>> stored) {
                stored.forEach((study, classes) ->
                        audit.received(callingAe, peer.getHostAddress(), certificate, study, classes));
            }

            @Override
            public void refused(String callingAe, InetAddress peer, String why) {
                audit.securityAlert(callingAe == null ? "unknown" : callingAe, peer.getHostAddress(), false, why);
            }
        });
        return c;
    }
}
