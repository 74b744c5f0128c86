package org.srinode.security;

import io.quarkus.oidc.OIDCException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * What a request is told while the hospital's OpenID provider cannot be reached and its credential needs it (a bearer
 * token or provider session the node cannot check yet, a sign-in): 503 with a problem detail and {@code Retry-After},
 * instead of the HTTP layer's 500 with a stack trace in the log for each request. One WARN per minute says so; the
 * node's own users (HTTP Basic, the login form) are not affected, and the provider is tried again with every request
 * (Quarkus OIDC), so sign-ins work again as soon as it answers.
 */
@ApplicationScoped
public class ProviderUnavailable {
    private static final Logger LOG = Logger.getLogger(ProviderUnavailable.class);
    private final OncePerInterval warning = new OncePerInterval(Duration.ofMinutes(1));

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    void handle(RoutingContext rc) {
        if (!unavailable(rc.failure()) || rc.response().headWritten()) {
            rc.next();
            return;
        }
        if (warning.open()) {
            LOG.warn(
                    "the OpenID provider cannot be reached, or SRI_OIDC_ISSUER does not name its issuer (the node reads"
                            + " <issuer>/.well-known/openid-configuration): its users cannot sign in, their requests get 503"
                            + " until it answers (the node's own users still sign in)");
        }
        rc.response().putHeader("Retry-After", "30");
        HttpProblem.answer(
                rc,
                503,
                "the hospital's identity provider cannot be reached (or does not answer as an OpenID provider at the"
                        + " node's SRI_OIDC_ISSUER), so this sign-in cannot be checked: try again later, or sign in"
                        + " with a user name and password");
    }

    /** Whether the failure (or one of its causes) is the OpenID layer saying that the provider is not available. */
    static boolean unavailable(Throwable t) {
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof OIDCException
                    && t.getMessage() != null
                    && t.getMessage().contains("not available")) {
                return true;
            }
        }
        return false;
    }
}
