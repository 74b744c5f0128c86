package org.srinode.security;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.quarkus.vertx.http.runtime.security.SecurityHandlerPriorities;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;
import org.srinode.audit.AuditTrail;
import org.srinode.audit.ClientAddress;
import org.srinode.dicom.LogText;

/**
 * Looks at the OpenID provider's answers to {@value #PATH} before the OpenID Connect layer does (a filter ahead of
 * authentication), because anyone can send them: a callback whose parameters hold characters outside the printable
 * ASCII that OAuth 2.0 allows for them (RFC 6749 appendix A: {@code code}, {@code state}, {@code error},
 * {@code error_description}) gets 400, so that they cannot forge log lines; a provider's refusal ({@code error}, such as
 * {@code access_denied}) gets 401 with a problem detail, one escaped WARN and a failed User Authentication in the audit
 * trail, without the stack traces of the OpenID layer; more than {@link #MAX_CALLBACKS_PER_ADDRESS} callbacks from one
 * address within a minute get 429 (each one with a code makes the node call the provider's token endpoint). Anything
 * else passes on.
 */
@ApplicationScoped
public class OidcCallbackGuard {
    /** Where the provider sends the browser back (and where a sign-in starts). */
    public static final String PATH = "/api/login/oidc";

    /** Callbacks (with code, state or error) per address per minute. */
    static final int MAX_CALLBACKS_PER_ADDRESS = 20;

    static final int MAX_PARAMETER_LENGTH = 4096;
    private static final Logger LOG = Logger.getLogger(OidcCallbackGuard.class);

    private final OidcSettings settings;
    private final AuditTrail audit;
    private final SlidingWindow callbacks = new SlidingWindow(Duration.ofMinutes(1), 10_000);

    @Inject
    public OidcCallbackGuard(OidcSettings settings, AuditTrail audit) {
        this.settings = settings;
        this.audit = audit;
    }

    void register(@Observes Filters filters) {
        if (settings.enabled()) {
            filters.register(this::check, SecurityHandlerPriorities.AUTHENTICATION + 50);
        }
    }

    void check(RoutingContext rc) {
        if (!PATH.equals(rc.normalizedPath())) {
            rc.next();
            return;
        }
        MultiMap params = rc.queryParams();
        if (!params.contains("code") && !params.contains("state") && !params.contains("error")) {
            rc.next(); // a sign-in starts
            return;
        }
        String address = ClientAddress.of(rc);
        if (callbacks.reached(address, MAX_CALLBACKS_PER_ADDRESS)) {
            HttpProblem.answer(rc, 429, "too many sign-in callbacks from this address: wait a minute");
            return;
        }
        callbacks.record(address);
        for (Map.Entry<String, String> p : params.entries()) {
            if (!printable(p.getKey()) || !printable(p.getValue())) {
                audit.login("(unknown)", address, "malformed OpenID sign-in callback");
                HttpProblem.answer(
                        rc, 400, "malformed sign-in callback: its parameters must be printable ASCII (RFC 6749)");
                return;
            }
        }
        String error = params.get("error");
        if (error != null) {
            String description = params.get("error_description");
            String why = error + (description == null ? "" : ": " + description);
            LOG.warnf("the OpenID provider refused a sign-in from %s (%s)", address, LogText.escape(why));
            audit.login("(unknown)", address, "the OpenID provider refused the sign-in: " + why);
            HttpProblem.answer(
                    rc,
                    401,
                    "the identity provider did not sign you in (" + error + "): try again, or sign in with a user"
                            + " name and password");
            return;
        }
        rc.next();
    }

    /** Printable ASCII (0x20 to 0x7E) and not longer than {@link #MAX_PARAMETER_LENGTH}. */
    static boolean printable(String s) {
        if (s == null) {
            return true;
        }
        if (s.length() > MAX_PARAMETER_LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
