package org.srinode.api;

import io.quarkus.oidc.IdTokenCredential;
import io.quarkus.oidc.OidcSession;
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
import org.srinode.audit.ClientAddress;
import org.srinode.dicom.LogText;

/**
 * Signing out of the web page (issue 12): the session cookie is removed and the logout goes to the audit trail
 * (User Authentication, Logout). A user the hospital's OpenID provider signed in loses the node's session the same
 * way; the provider's own session is left alone (the next "Sign in with the hospital account" may pass without a
 * password, as single sign-on does). A client using HTTP Basic or a bearer token has no session; its next request
 * carries its credentials again.
 */
@Path("/api/logout")
public class LogoutResource {
    private static final Logger AUDIT = Logger.getLogger("sri.audit");

    /** The form login's session cookie (quarkus.http.auth.form.cookie-name). */
    static final String FORM_SESSION_COOKIE = "sri-session";

    @Inject
    SecurityIdentity identity;

    @Inject
    AuditTrail audit;

    @Inject
    OidcSession oidcSession;

    @POST
    @RolesAllowed({"viewer", "operator", "admin"})
    @Operation(summary = "Signs out of the web page: the session cookie is removed (204)")
    public Response logout(@Context HttpServerRequest request) {
        String user = identity.getPrincipal().getName();
        if (identity.getCredential(IdTokenCredential.class) != null) {
            oidcSession.logout().await().indefinitely(); // removes the node's session cookie (q_session)
        } else if (request.getCookie(FORM_SESSION_COOKIE) != null) {
            FormAuthenticationMechanism.logout(identity); // removes the form login's session cookie
        } // HTTP Basic and bearer tokens hold no session: nothing to end
        AUDIT.infof("user '%s' signed out", LogText.escape(user));
        audit.logout(user, ClientAddress.of(request));
        return Response.noContent().build();
    }
}
