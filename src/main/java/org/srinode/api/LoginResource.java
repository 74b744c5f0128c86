package org.srinode.api;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.srinode.security.OidcSettings;

/**
 * How one signs in (issue 12). {@code /api/login/options} is public, like the login page that reads it: it says
 * whether the hospital's OpenID provider is configured and nothing else. {@code /api/login/oidc} is guarded by the
 * OpenID Connect authorization code flow only (application.properties, permission {@code oidc-login}): without a
 * session the browser is sent to the provider, which sends it back here with a code; the node then holds the session
 * and this sends the browser on to the web page.
 */
@Path("/api/login")
@Produces(MediaType.APPLICATION_JSON)
public class LoginResource {
    /** What the login page offers: the node's own users (always) and the OpenID provider (when configured). */
    public record LoginOptions(boolean password, boolean openIdConnect) {}

    @Inject
    OidcSettings oidc;

    @GET
    @Path("options")
    @PermitAll
    @Operation(
            summary = "Public: the ways to sign in (the node's users; the hospital's OpenID provider when configured)")
    public LoginOptions options() {
        return new LoginOptions(true, oidc.enabled());
    }

    @GET
    @Path("oidc")
    @RolesAllowed({"viewer", "operator", "admin"})
    @Operation(
            summary = "Signs in with the hospital's OpenID provider (authorization code flow), then opens the web"
                    + " page (303); 404 when no provider is configured")
    public Response oidc() {
        if (!oidc.enabled()) {
            return Problem.of(
                    Response.Status.NOT_FOUND,
                    "no OpenID provider is configured on this node (SRI_OIDC_ISSUER): sign in with a user name and"
                            + " password");
        }
        return Response.seeOther(URI.create("/")).build();
    }
}
