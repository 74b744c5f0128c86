package org.srinode.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.srinode.pipeline.ModelService;

/** Readiness: DOWN until the enhancement model is loaded (UP when enhancement is disabled). */
@Readiness
@ApplicationScoped
public class ModelHealth implements HealthCheck {
    @Inject
    ModelService models;

    @Override
    public HealthCheckResponse call() {
        ModelService.State s = models.state();
        boolean up =
                s == ModelService.State.READY || s == ModelService.State.DISABLED || s == ModelService.State.ELSEWHERE;
        return HealthCheckResponse.named("enhancement-model")
                .status(up)
                .withData("state", s.name())
                .withData("detail", models.detail())
                .withData("load_ms", models.loadMillis())
                .build();
    }
}
