package org.srinode.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.srinode.dimse.DimseConsumer;

/**
 * Readiness: DOWN until a DICOM SCP ({@code dimse:scp} consumer, in whichever route hospital IT put it)
 * is bound and its listener runs; UP without one on a node that does not run the ingest role (SRI_NODE_ROLES).
 */
@Readiness
@ApplicationScoped
public class NodeHealth implements HealthCheck {
    @Inject
    CamelContext camel;

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sri.role.ingest", defaultValue = "true")
    boolean ingest;

    @Override
    public HealthCheckResponse call() {
        for (Route route : camel.getRoutes()) {
            if (route.getConsumer() instanceof DimseConsumer c && c.isListening()) {
                return HealthCheckResponse.named("dicom-scp")
                        .up()
                        .withData("port", c.localPort())
                        .withData("tlsPort", c.tlsLocalPort())
                        .withData("route", route.getId())
                        .build();
            }
        }
        if (!ingest) {
            return HealthCheckResponse.named("dicom-scp")
                    .up()
                    .withData("port", -1)
                    .withData("role", "not ingest (SRI_NODE_ROLES)")
                    .build();
        }
        return HealthCheckResponse.named("dicom-scp")
                .down()
                .withData("port", -1)
                .build();
    }
}
