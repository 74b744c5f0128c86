package org.srinode.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.srinode.dimse.DimseConsumer;

/** Readiness: DOWN until the DICOM SCP is bound. */
@Readiness
@ApplicationScoped
public class NodeHealth implements HealthCheck {
    @Inject
    CamelContext camel;

    @Override
    public HealthCheckResponse call() {
        Route ingest = camel.getRoute("ingest");
        boolean listening = ingest != null && ingest.getConsumer() instanceof DimseConsumer c && c.isListening();
        int port = listening ? ((DimseConsumer) ingest.getConsumer()).localPort() : -1;
        return HealthCheckResponse.named("dicom-scp").status(listening).withData("port", port).build();
    }
}
