package org.srinode.api;

import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.srinode.security.OidcRoles;
import org.srinode.security.OidcSettings;

/**
 * A signed-in user whose role does not allow an endpoint gets an RFC 9457 problem, not an empty 403; a user the
 * hospital's OpenID provider signed in without any role here is told why and what the administrator sets.
 */
public class SecurityProblems {
    @Inject
    SecurityIdentity identity;

    @Inject
    OidcSettings oidc;

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        if (OidcRoles.fromProvider(identity) && identity.getRoles().isEmpty()) {
            return Problem.of(
                    Response.Status.FORBIDDEN,
                    "signed in as " + identity.getPrincipal().getName() + ", but none of your groups gives a role on"
                            + " this node: ask its administrator (SRI_OIDC_VIEWER_GROUPS, SRI_OIDC_OPERATOR_GROUPS,"
                            + " SRI_OIDC_ADMIN_GROUPS name the groups; the node reads them from the claim '"
                            + oidc.rolesClaim() + "', of the ID token for a browser sign-in, so the provider may need"
                            + " SRI_OIDC_SCOPES to put it there)");
        }
        return Problem.of(
                Response.Status.FORBIDDEN,
                "the signed-in user's role does not allow this: operator actions need the role "
                        + "operator or admin, users and settings need admin");
    }
}
