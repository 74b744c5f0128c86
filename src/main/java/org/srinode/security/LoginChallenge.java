package org.srinode.security;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * What a request without a valid login is told (it authenticates nobody itself; HTTP Basic and the web page's session
 * cookie do). A browser opening the web page ({@code Sec-Fetch-Mode: navigate} to {@code /} or {@code /index.html}) is
 * sent to the login page (302 to {@code /login.html}); the page's own requests get a bare 401 (the page then shows the
 * login page instead of the browser's Basic dialog); every other client, such as curl, a script or
 * {@code ./sri-node user}, gets 401 with {@code WWW-Authenticate: Basic realm="sri-node"} (RFC 7617). It runs before the
 * built-in mechanisms, whose challenges would otherwise be a redirect for API clients (form) or none (Basic is silent
 * when form authentication is on).
 */
@ApplicationScoped
public class LoginChallenge implements HttpAuthenticationMechanism {
    /** The login page, public like its script and the style sheet. */
    public static final String LOGIN_PAGE = "/login.html";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        return Uni.createFrom().nullItem();
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        String mode = context.request().getHeader("Sec-Fetch-Mode");
        String path = context.normalizedPath();
        if ("navigate".equals(mode)
                && context.request().method() == HttpMethod.GET
                && ("/".equals(path) || "/index.html".equals(path))) {
            return Uni.createFrom().item(new ChallengeData(302, HttpHeaders.LOCATION, LOGIN_PAGE));
        }
        if (mode != null) {
            return Uni.createFrom().item(new ChallengeData(401, null, null));
        }
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Basic realm=\"sri-node\""));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }

    /** Ahead of the built-in form and Basic mechanisms (priority 1000), so that its challenge is the one sent. */
    @Override
    public int getPriority() {
        return 3000;
    }
}
