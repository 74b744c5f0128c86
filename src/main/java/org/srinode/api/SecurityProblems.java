package org.srinode.api;

import io.quarkus.security.ForbiddenException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** A signed-in user whose role does not allow an endpoint gets an RFC 9457 problem, not an empty 403. */
public class SecurityProblems {
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Problem.of(
                Response.Status.FORBIDDEN,
                "the signed-in user's role does not allow this: operator actions need the role "
                        + "operator or admin, users and settings need admin");
    }
}
