package org.srinode.dimse;

import java.util.Map;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

/** The {@code dimse:} component: {@code dimse:scp?...} receives, {@code dimse:scu?...} sends. */
public class DimseComponent extends DefaultComponent {
    private AssociationEvents events = AssociationEvents.NONE;

    /** Who hears of what the SCPs of this component store and refuse (the node's audit trail). */
    public void setAssociationEvents(AssociationEvents events) {
        this.events = events;
    }

    AssociationEvents associationEvents() {
        return events;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (!"scp".equals(remaining) && !"scu".equals(remaining)) {
            throw new IllegalArgumentException("dimse endpoint must be dimse:scp or dimse:scu, not dimse:" + remaining);
        }
        DimseConfiguration config = new DimseConfiguration();
        config.setRole(remaining);
        DimseEndpoint endpoint = new DimseEndpoint(uri, this, config);
        setProperties(endpoint, parameters);
        return endpoint;
    }
}
