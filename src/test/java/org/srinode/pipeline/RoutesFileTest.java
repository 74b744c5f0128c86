package org.srinode.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

/** routes/node.yaml as Camel's YAML DSL reads it (the node's ITs start it; this fails faster and names the route). */
class RoutesFileTest {
    @Test
    void theIngestRouteLeavesRefusalsToTheStorageScpWithoutAnErrorHandlerOfItsOwn() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            PluginHelper.getRoutesLoader(camel)
                    .loadRoutes(ResourceHelper.fromString(
                            "node.yaml", java.nio.file.Files.readString(Path.of("routes/node.yaml"))));
            RouteDefinition ingest = camel.getCamelContextExtension()
                    .getContextPlugin(ModelCamelContext.class)
                    .getRouteDefinition("ingest");
            assertThat(ingest).isNotNull();
            assertThat(ingest.getErrorHandlerFactory())
                    .as("refusals are logged once, by the Storage SCP with their status")
                    .isInstanceOf(org.apache.camel.model.errorhandler.NoErrorHandlerDefinition.class);
        }
    }
}
