package org.srinode.security;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.IdTokenCredential;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.security.spi.runtime.AuthenticationFailureEvent;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.srinode.audit.AuditTrail;

/**
 * The node's roles for a user the OpenID provider signed in: each of the user's groups (the claim
 * {@link OidcSettings#rolesClaim()}) that {@link OidcSettings} maps to a role gives that role and those below it
 * ({@link Users#rolesOf}); every other group gives nothing, so a provider group that happens to be called
 * {@code admin} is an administrator only while {@code SRI_OIDC_ADMIN_GROUPS} says so (its default). A user in no mapped
 * group is signed in with no role and gets 403 everywhere. The sign-in goes to the audit trail (User Authentication,
 * once per user and address per quiet period, {@link AuditTrail#login}). Identities from the node's own users pass
 * unchanged.
 */
@ApplicationScoped
public class OidcRoles implements SecurityIdentityAugmentor {
    private final OidcSettings settings;
    private final AuditTrail audit;

    @Inject
    public OidcRoles(OidcSettings settings, AuditTrail audit) {
        this.settings = settings;
        this.audit = audit;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        return augment(identity, context, Map.of());
    }

    @Override
    public Uni<SecurityIdentity> augment(
            SecurityIdentity identity, AuthenticationRequestContext context, Map<String, Object> attributes) {
        if (identity.isAnonymous() || !fromProvider(identity)) {
            return Uni.createFrom().item(identity);
        }
        Set<String> roles = roles(identity.getRoles(), settings);
        RoutingContext rc = HttpSecurityUtils.getRoutingContextAttribute(attributes);
        if (rc == null) {
            rc = HttpSecurityUtils.getRoutingContextAttribute(identity);
        }
        String address = rc == null || rc.request().remoteAddress() == null
                ? "unknown"
                : rc.request().remoteAddress().hostAddress();
        String name = identity.getPrincipal().getName();
        return context.runBlocking(() -> {
            audit.login(
                    name, address, roles.isEmpty() ? "signed in by the OpenID provider, but in no mapped group" : null);
            QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder()
                    .setPrincipal(identity.getPrincipal())
                    .addCredentials(identity.getCredentials())
                    .addAttributes(identity.getAttributes())
                    .addRoles(roles);
            return b.build();
        });
    }

    /**
     * Audits a refused bearer token (expired, badly signed, from another issuer or for another audience) as a failed
     * User Authentication with the client's address; failed passwords are audited where they are checked
     * ({@link NodeIdentityProvider}).
     */
    void refused(@Observes AuthenticationFailureEvent event) {
        // the HTTP layer puts the request under the class name of RoutingContext
        if (!(event.getEventProperties().get(RoutingContext.class.getName()) instanceof RoutingContext rc)) {
            return;
        }
        String authorization = rc.request().getHeader("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return;
        }
        String address = rc.request().remoteAddress() == null
                ? "unknown"
                : rc.request().remoteAddress().hostAddress();
        audit.login("(bearer token)", address, "bearer token refused");
    }

    /** Whether the identity comes from the OpenID provider (an ID token from the code flow or a bearer access token). */
    public static boolean fromProvider(SecurityIdentity identity) {
        return identity.getCredential(IdTokenCredential.class) != null
                || identity.getCredential(AccessTokenCredential.class) != null;
    }

    /**
     * The node's roles for the provider's groups: the union of {@link Users#rolesOf} over every role a group is mapped
     * to; groups mapped to nothing are dropped.
     */
    static Set<String> roles(Set<String> groups, OidcSettings settings) {
        Set<String> roles = new LinkedHashSet<>();
        for (String group : groups) {
            if (settings.adminGroups().contains(group)) {
                roles.addAll(Users.rolesOf("admin"));
            }
            if (settings.operatorGroups().contains(group)) {
                roles.addAll(Users.rolesOf("operator"));
            }
            if (settings.viewerGroups().contains(group)) {
                roles.addAll(Users.rolesOf("viewer"));
            }
        }
        return roles;
    }
}
