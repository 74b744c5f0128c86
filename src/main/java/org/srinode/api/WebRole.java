package org.srinode.api;

import io.quarkus.vertx.http.runtime.filters.Filters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.srinode.security.HttpProblem;

/**
 * A process without the {@code web} role (SRI_NODE_ROLES, issue 14) answers only health and metrics ({@code /q/health},
 * {@code /q/metrics}): every other path (the web page, the REST API and its OpenAPI document, the FHIR sandbox) gets 404
 * with an RFC 9457 problem that says which nodes serve it.
 * Runs before authentication, so an enhance-only worker exposes nothing but its probes.
 */
@ApplicationScoped
public class WebRole {
    private final boolean web;
    private final String roles;

    WebRole(
            @ConfigProperty(name = "sri.role.web", defaultValue = "true") boolean web,
            @ConfigProperty(name = "sri.node.roles.describe", defaultValue = "all") String roles) {
        this.web = web;
        this.roles = roles;
    }

    void register(@Observes Filters filters) {
        if (web) {
            return;
        }
        filters.register(
                rc -> {
                    String path = rc.normalizedPath();
                    if (path.startsWith("/q/health") || path.startsWith("/q/metrics")) {
                        rc.next();
                        return;
                    }
                    HttpProblem.answer(
                            rc,
                            404,
                            "this node runs the roles " + roles
                                    + " (SRI_NODE_ROLES), not web: use a node with the web role; only /q/health and"
                                    + " /q/metrics answer here");
                },
                1000);
    }
}
