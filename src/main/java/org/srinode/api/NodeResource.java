package org.srinode.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.srinode.pipeline.ModelService;
import org.srinode.pipeline.PublishStage;

/** What this node is: its DICOM identity, its model and where it publishes FHIR. */
@Path("/api/node")
@Produces(MediaType.APPLICATION_JSON)
public class NodeResource {
    public record NodeView(String aeTitle, int dicomPort, String model, String modelState, String fhirBaseUrl) {}

    @Inject
    ModelService models;

    @Inject
    PublishStage publish;

    @ConfigProperty(name = "sri.dicom.ae-title")
    String aeTitle;

    @ConfigProperty(name = "sri.dicom.port")
    int dicomPort;

    @GET
    @Operation(summary = "The node's AE title and port, its model and its FHIR server")
    public NodeView node() {
        // the main model, and the x4 model when one serves the series that need x4
        String model = models.enhancer()
                .map(e -> e.config().name() + " " + e.config().version()
                        + models.enhancerFor(4)
                                .filter(x4 -> x4 != e)
                                .map(x4 -> " (x4: " + x4.config().name() + " "
                                        + x4.config().version() + ")")
                                .orElse(""))
                .orElse("none");
        return new NodeView(aeTitle, dicomPort, model, models.state().name(), publish.baseUrl());
    }
}
