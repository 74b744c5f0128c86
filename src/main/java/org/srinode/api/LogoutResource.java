package org.srinode.api;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.FormAuthenticationMechanism;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
import org.srinode.audit.AuditTrail;
import org.srinode.dicom.LogText;

/**
 * Signing out of the web page (issue 12): the session cookie is removed and the logout goes to the audit trail
 * (User Authentication, Logout). A client using HTTP Basic has no session; its next request carries its credentials
 * again, as Basic does.
 */
@Path("/api/logout")
public class LogoutResource {
    private static final Logger AUDIT = Logger.getLogger("sri.audit");

    @Inject
    SecurityIdentity identity;

    @Inject
    AuditTrail audit;

    @POST
    @RolesAllowed({"viewer", "operator", "admin"})
    @Operation(summary = "Signs out of the web page: the session cookie is removed (204)")
    public Response logout(@Context HttpServerRequest request) {
        String user = identity.getPrincipal().getName();
        FormAuthenticationMechanism.logout(identity);
        AUDIT.infof("user '%s' signed out", LogText.escape(user));
        audit.logout(user, JobResource.address(request));
        return Response.noContent().build();
    }
}
