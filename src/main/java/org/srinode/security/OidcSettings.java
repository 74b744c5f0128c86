package org.srinode.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Signing in with the hospital's OpenID Connect provider ({@code sri.oidc.*}; OpenID Connect Core 1.0): the web page
 * through the authorization code flow with PKCE (RFC 7636), API clients with the provider's bearer access tokens
 * (RFC 6750, JWTs checked against the provider's published keys). Off while {@link #issuer()} is empty; the node's
 * own users (HTTP Basic and the login form) work either way. The quarkus.oidc.* properties in application.properties
 * are set from these; {@link OidcRoles} turns the provider's groups into the node's roles.
 */
@ConfigMapping(prefix = "sri.oidc")
public interface OidcSettings {

    /**
     * The provider's issuer URL, whose {@code /.well-known/openid-configuration} the node reads at start-up (Keycloak:
     * {@code https://host/realms/<realm>}; Microsoft Entra ID: {@code https://login.microsoftonline.com/<tenant>/v2.0}).
     * Empty: OpenID Connect is off.
     */
    Optional<String> issuer();

    /** The node's client at the provider (the redirect URI to register there is {@code https://<node>/api/login/oidc}). */
    @WithDefault("sri-node")
    String clientId();

    /** The client's secret (client_secret_basic); empty for a provider that needs none. */
    Optional<String> clientSecret();

    /** Scopes asked for besides {@code openid}, such as the one that puts the groups into the ID token; empty: none. */
    Optional<List<String>> scopes();

    /** Where the groups are in the tokens: a claim name or a path such as {@code realm_access/roles} (Keycloak). */
    @WithDefault("groups")
    String rolesClaim();

    /**
     * Further audiences ({@code aud}) a token may name besides {@link #clientId()}, such as the API identifier a
     * provider puts into its access tokens; a token naming neither is refused (ID tokens name the client id).
     */
    Optional<List<String>> audience();

    /** Provider groups whose members are viewers; none by default. */
    Optional<Set<String>> viewerGroups();

    /** Provider groups whose members are operators (and viewers); none by default. */
    Optional<Set<String>> operatorGroups();

    /**
     * Provider groups whose members are administrators (and operators and viewers); none by default, so that no
     * provider group is an administrator by its name alone.
     */
    Optional<Set<String>> adminGroups();

    /** Whether OpenID Connect is on (an issuer is set). */
    default boolean enabled() {
        return issuer().filter(s -> !s.isBlank()).isPresent();
    }
}
