package org.srinode.audit;

import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Records reads of patient data over HTTP in the audit trail once they succeeded: series, previews and
 * jobs through {@code /api/series} (DICOM Instances Accessed) and FHIR sandbox reads under {@code /fhir}
 * (Query), with the signed-in user, the client's address and the path.
 */
@ApplicationScoped
public class AccessAudit {
    @Inject
    AuditTrail audit;

    /** First in the chain (before authentication and every endpoint), so that no response is missed. */
    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 100).handler(this::record);
    }

    void record(RoutingContext rc) {
        String path = rc.normalizedPath();
        boolean api = path.equals("/api/series") || path.startsWith("/api/series/");
        boolean fhir = path.equals("/fhir") || path.startsWith("/fhir/");
        boolean read = rc.request().method() == HttpMethod.GET
                || fhir && rc.request().method() == HttpMethod.POST && path.endsWith("/_search");
        if ((api || fhir) && read) {
            rc.addEndHandler(done -> {
                int status = rc.response().getStatusCode();
                if (status >= 200
                        && status < 300
                        && rc.user() instanceof QuarkusHttpUser user
                        && !user.getSecurityIdentity().isAnonymous()) {
                    String query = rc.request().query();
                    audit.accessed(
                            user.getSecurityIdentity().getPrincipal().getName(),
                            ClientAddress.of(rc),
                            fhir,
                            query == null ? path : path + "?" + query);
                }
            });
        }
        rc.next();
    }
}
