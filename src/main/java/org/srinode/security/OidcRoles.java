package org.srinode.security;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.IdTokenCredential;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.AuthenticationRedirectException;
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
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.srinode.audit.AuditTrail;
import org.srinode.audit.ClientAddress;

/**
 * The node's roles for a user the OpenID provider signed in: each of the user's groups (the claim
 * {@link OidcSettings#rolesClaim()}) that {@link OidcSettings} maps to a role gives that role and those below it
 * ({@link Users#rolesOf}); every other group gives nothing, so a provider group that happens to be called
 * {@code admin} is an administrator only when {@code SRI_OIDC_ADMIN_GROUPS} names it (none by default). A user in no mapped
 * group is signed in with no role and gets 403 everywhere. The user is named {@code oidc:<name>}
 * ({@link ProviderPrincipal}), never like a local user. The sign-in goes to the audit trail (User Authentication, once
 * per user and address per quiet period, {@link AuditTrail#login}; without a role as a failure, as often). Identities
 * from the node's own users pass unchanged.
 */
@ApplicationScoped
public class OidcRoles implements SecurityIdentityAugmentor {
    private static final Logger LOG = Logger.getLogger(OidcRoles.class);
    private final OidcSettings settings;
    private final AuditTrail audit;

    @Inject
    public OidcRoles(OidcSettings settings, AuditTrail audit) {
        this.settings = settings;
        this.audit = audit;
    }

    /**
     * Warns at start-up when the provider is configured but none of its groups gives a role here, or without the
     * client's secret.
     */
    void started(@Observes StartupEvent event) {
        if (settings.enabled()
                && settings.clientSecret().filter(x -> !x.isBlank()).isEmpty()) {
            LOG.warn("SRI_OIDC_ISSUER is set but SRI_OIDC_CLIENT_SECRET is empty: unless the provider's client"
                    + " '" + settings.clientId() + "' needs no secret, sign-ins fail at the code exchange"
                    + " (invalid_client), and the sign-in cookies are encrypted with a key made at every start");
        }
        if (settings.enabled()
                && settings.viewerGroups().isEmpty()
                && settings.operatorGroups().isEmpty()
                && settings.adminGroups().isEmpty()) {
            LOG.warn("SRI_OIDC_ISSUER is set but no provider group gives a role on this node: every user the provider"
                    + " signs in gets 403 until SRI_OIDC_VIEWER_GROUPS, SRI_OIDC_OPERATOR_GROUPS or"
                    + " SRI_OIDC_ADMIN_GROUPS names one");
        }
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        return augment(identity, context, Map.of());
    }

    @Override
    public Uni<SecurityIdentity> augment(
            SecurityIdentity identity, AuthenticationRequestContext context, Map<String, Object> attributes) {
        if (identity.isAnonymous()
                || !fromProvider(identity)
                || identity.getPrincipal() instanceof ProviderPrincipal) { // not ours, or done
            return Uni.createFrom().item(identity);
        }
        Set<String> roles = roles(identity.getRoles(), settings);
        RoutingContext rc = HttpSecurityUtils.getRoutingContextAttribute(attributes);
        String address = ClientAddress.of(rc != null ? rc : HttpSecurityUtils.getRoutingContextAttribute(identity));
        ProviderPrincipal principal =
                identity.getPrincipal() instanceof JsonWebToken jwt ? new ProviderPrincipal(jwt) : null;
        if (principal == null) {
            return Uni.createFrom().item(identity);
        }
        SecurityIdentity augmented = QuarkusSecurityIdentity.builder()
                .setPrincipal(principal)
                .addCredentials(identity.getCredentials())
                .addAttributes(identity.getAttributes())
                .addRoles(roles)
                .build();
        if (audit.loginRecordedRecently(principal.getName(), address, roles.isEmpty())) {
            // the common case for a bearer token or a session: nothing to record, so no hop to a worker thread
            return Uni.createFrom().item(augmented);
        }
        return context.runBlocking(() -> {
            if (roles.isEmpty()) {
                audit.loginWithoutRole(principal.getName(), address);
            } else {
                audit.login(principal.getName(), address, null);
            }
            return augmented;
        });
    }

    /**
     * Audits a refused credential of the provider as a failed User Authentication with the client's address: a bearer
     * token (expired, badly signed, from another issuer or for another audience), a sign-in whose code the provider
     * would not exchange, a session cookie that does not decrypt or has expired. Failed passwords are audited where
     * they are checked ({@link NodeIdentityProvider}); the provider's refusals at the callback by
     * {@link OidcCallbackGuard}.
     */
    void refused(@Observes AuthenticationFailureEvent event) {
        // the HTTP layer puts the request under the class name of RoutingContext
        if (!(event.getEventProperties().get(RoutingContext.class.getName()) instanceof RoutingContext rc)) {
            return;
        }
        if (event.getAuthenticationFailure() instanceof AuthenticationRedirectException) {
            return; // a redirect, not a refusal: to the provider, or the callback's own redirect after a good sign-in
        }
        String authorization = rc.request().getHeader("Authorization");
        String what;
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            what = "bearer token refused";
        } else if (authorization != null) {
            return; // HTTP Basic: audited by NodeIdentityProvider
        } else if (OidcCallbackGuard.PATH.equals(rc.normalizedPath())
                && rc.request().getParam("code") != null) {
            what = "sign-in through the OpenID provider failed (the authorization code was not accepted)";
        } else if (rc.request().getCookie("q_session") != null) {
            what = "OpenID session cookie refused (expired or not this node's)";
        } else {
            return;
        }
        audit.login("(unknown)", ClientAddress.of(rc), what);
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
            if (settings.adminGroups().orElse(Set.of()).contains(group)) {
                roles.addAll(Users.rolesOf("admin"));
            }
            if (settings.operatorGroups().orElse(Set.of()).contains(group)) {
                roles.addAll(Users.rolesOf("operator"));
            }
            if (settings.viewerGroups().orElse(Set.of()).contains(group)) {
                roles.addAll(Users.rolesOf("viewer"));
            }
        }
        return roles;
    }
}
