package org.srinode.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.srinode.audit.AuditTrail;
import org.srinode.audit.ClientAddress;
import org.srinode.dicom.LogText;

/**
 * Checks HTTP Basic credentials against {@link Users}; the identity gets the user's role and the roles
 * below it. Failed logins are rate-limited per user name: after {@link #MAX_FAILURES} failures within
 * {@link #WINDOW}, every attempt for that name fails without a password check until the window has
 * passed (so anyone can lock a name out for a minute: the price of the limit). Failures and refusals are
 * logged on the {@code sri.audit} category at WARN, successes at DEBUG, and every outcome goes to the
 * audit trail ({@link AuditTrail#login}, with the client's address). Known limits: attempts already
 * in flight when the fifth failure is recorded are still checked. From one address, {@link #MAX_FAILURES_PER_ADDRESS}
 * failures (any names) within the window refuse that address for the rest of it (a spray of names). A password
 * verified recently costs no second bcrypt ({@link Users#verify}).
 */
@ApplicationScoped
public class NodeIdentityProvider implements IdentityProvider<UsernamePasswordAuthenticationRequest> {
    private static final Logger AUDIT = Logger.getLogger("sri.audit");
    static final int MAX_FAILURES = 5;
    /** Failed logins from one address (any names) within {@link #WINDOW} after which that address is refused. */
    static final int MAX_FAILURES_PER_ADDRESS = 20;

    static final Duration WINDOW = Duration.ofMinutes(1);
    /** Names whose failures are tracked at most; beyond, the record starts afresh. */
    static final int MAX_TRACKED_NAMES = 10_000;

    private final Users users;
    private final AuditTrail audit;
    private final SlidingWindow failures = new SlidingWindow(WINDOW, MAX_TRACKED_NAMES);

    @Inject
    public NodeIdentityProvider(Users users, AuditTrail audit) {
        this.users = users;
        this.audit = audit;
    }

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(
            UsernamePasswordAuthenticationRequest request, AuthenticationRequestContext context) {
        io.vertx.ext.web.RoutingContext rc =
                io.quarkus.vertx.http.runtime.security.HttpSecurityUtils.getRoutingContextAttribute(request);
        String address = ClientAddress.of(rc);
        return context.runBlocking(() ->
                check(request.getUsername(), new String(request.getPassword().getPassword()), address));
    }

    /** Checks one login (package-private for the tests); throws AuthenticationFailedException when it fails or is refused. */
    SecurityIdentity check(String username, String password, String address) {
        String name = username.length() > 64 ? username.substring(0, 64) : username;
        if (lockedOut("name:" + name, MAX_FAILURES)) {
            AUDIT.warnf(
                    "login refused for user '%s': %d failed attempts within %s",
                    LogText.escape(name), MAX_FAILURES, WINDOW);
            audit.login(name, address, "refused: " + MAX_FAILURES + " failed attempts for this user within " + WINDOW);
            throw new AuthenticationFailedException();
        }
        if (lockedOut("address:" + address, MAX_FAILURES_PER_ADDRESS)) {
            AUDIT.warnf(
                    "login refused for user '%s' from %s: %d failed attempts from that address within %s",
                    LogText.escape(name), address, MAX_FAILURES_PER_ADDRESS, WINDOW);
            audit.login(
                    name,
                    address,
                    "refused: " + MAX_FAILURES_PER_ADDRESS + " failed attempts from this address within " + WINDOW);
            throw new AuthenticationFailedException();
        }
        Optional<String> role = users.verify(name, password);
        if (role.isEmpty()) {
            failures.record("name:" + name);
            failures.record("address:" + address);
            AUDIT.warnf("login failed for user '%s'", LogText.escape(name));
            audit.login(name, address, "wrong user name or password");
            throw new AuthenticationFailedException();
        }
        failures.forget("name:" + name);
        AUDIT.debugf("login of user '%s'", LogText.escape(name));
        audit.login(name, address, null);
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(name))
                .addRoles(Users.rolesOf(role.get()))
                .build();
    }

    private boolean lockedOut(String key, int max) {
        return failures.reached(key, max);
    }
}
