package org.srinode.security;

import java.util.Set;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * A user the hospital's OpenID provider signed in, named {@code oidc:<name>} wherever the node names a user (audit
 * trail, logs, {@code /api/users/me}): the node's own user names cannot hold a colon ({@link Users#put}), so a
 * provider account can never pass for a local one of the same name. The token's claims are those of the provider's
 * token, unchanged.
 */
public final class ProviderPrincipal implements JsonWebToken {
    /** What a provider user's name starts with. */
    public static final String PREFIX = "oidc:";

    private final JsonWebToken token;
    private final String name;

    ProviderPrincipal(JsonWebToken token) {
        this.token = token;
        this.name = PREFIX + token.getName();
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Set<String> getClaimNames() {
        return token.getClaimNames();
    }

    @Override
    public <T> T getClaim(String claimName) {
        return token.getClaim(claimName);
    }

    @Override
    public String toString() {
        return name;
    }
}
