package org.srinode.api;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
import org.srinode.dicom.LogText;
import org.srinode.security.OidcRoles;
import org.srinode.security.Users;

/** The node's HTTP users (admin only): list, create or change (role and password), remove. Every change is audited. */
@Path("/api/users")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("admin")
public class UserResource {
    private static final Logger AUDIT = Logger.getLogger("sri.audit");

    /**
     * @param role     viewer, operator or admin
     * @param password at least 12 characters
     */
    public record UserRequest(String role, String password) {}

    @Inject
    Users users;

    @Inject
    SecurityIdentity identity;

    @Inject
    org.srinode.audit.AuditTrail audit;

    @GET
    @Operation(summary = "The users and their roles (never a password or hash)")
    public List<Users.User> list() {
        return users.list();
    }

    @GET
    @Path("/me")
    @RolesAllowed({"viewer", "operator", "admin"})
    @Operation(
            summary = "Who is signed in and the highest role held (createdAt only for the node's own users, not for"
                    + " those the hospital's OpenID provider signed in)")
    public Users.User me(@Context SecurityContext sc) {
        String name = sc.getUserPrincipal().getName();
        if (OidcRoles.fromProvider(identity)) {
            String role = Users.ROLES.stream()
                    .filter(identity::hasRole)
                    .findFirst()
                    .orElseThrow(() -> new jakarta.ws.rs.ForbiddenException("no role"));
            return new Users.User(name, role, null);
        }
        return users.find(name).orElseThrow(() -> new jakarta.ws.rs.NotFoundException("no user " + name));
    }

    @PUT
    @Path("/{username}")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Creates the user or sets its role and password")
    public Response put(@PathParam("username") String username, UserRequest body, @Context SecurityContext sc) {
        if (body == null) {
            return Problem.of(
                    Response.Status.BAD_REQUEST, "a JSON body {\"role\": ..., \"password\": ...} is required");
        }
        try {
            boolean existed = users.find(username).isPresent();
            users.put(username, body.role(), body.password());
            AUDIT.infof(
                    "user '%s' %s with role %s by '%s'",
                    LogText.escape(username),
                    existed ? "changed" : "created",
                    LogText.escape(body.role()),
                    LogText.escape(sc.getUserPrincipal().getName()));
            audit.securityAlert(
                    sc.getUserPrincipal().getName(),
                    null,
                    true,
                    "user '" + username + "' " + (existed ? "changed" : "created") + " with role " + body.role());
            return Response.status(existed ? 200 : 201)
                    .entity(users.find(username).orElseThrow())
                    .build();
        } catch (Users.LastAdmin e) {
            return Problem.of(Response.Status.CONFLICT, e.getMessage());
        } catch (IllegalArgumentException e) {
            return Problem.of(Response.Status.BAD_REQUEST, e.getMessage());
        }
    }

    @DELETE
    @Path("/{username}")
    @Operation(summary = "Removes the user (not the last admin)")
    public Response remove(@PathParam("username") String username, @Context SecurityContext sc) {
        try {
            if (!users.remove(username)) {
                return Problem.of(Response.Status.NOT_FOUND, "no user " + username);
            }
        } catch (Users.LastAdmin e) {
            return Problem.of(Response.Status.CONFLICT, e.getMessage());
        }
        AUDIT.infof(
                "user '%s' removed by '%s'",
                LogText.escape(username), LogText.escape(sc.getUserPrincipal().getName()));
        audit.securityAlert(sc.getUserPrincipal().getName(), null, true, "user '" + username + "' removed");
        return Response.noContent().build();
    }
}
