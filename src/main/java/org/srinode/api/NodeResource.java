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
        String model = models.enhancer()
                .map(e -> e.config().name() + " " + e.config().version())
                .orElse("none");
        return new NodeView(aeTitle, dicomPort, model, models.state().name(), publish.baseUrl());
    }
}
