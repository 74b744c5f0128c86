package org.srinode.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An unauthenticated peer cannot flood the audit trail (issue 12 review): failures per address are rate-limited, not lost. */
class AuditTrailTest {
    @Test
    void failuresFromOneAddressAreCountedBeyondTheLimitAndOthersAreNotAffected() {
        AuditTrail trail = new AuditTrail("SRI_NODE", "test");
        List<String> out = new ArrayList<>();
        trail.sendTo(out::add);
        for (int i = 0; i < 1000; i++) {
            trail.securityAlert("unknown", "198.51.100.9", false, "TLS handshake failed: garbage " + i);
            trail.login("user" + i, "198.51.100.9", "wrong user name or password");
        }
        assertThat(out).hasSize(2 * AuditTrail.FAILURES_PER_MINUTE);
        trail.securityAlert("MR1", "192.0.2.1", false, "calling AE title not in the allow-list");
        trail.securityAlert("admin", null, true, "user 'vera' created");
        trail.login("admin", "198.51.100.9", null);
        assertThat(out)
                .hasSize(2 * AuditTrail.FAILURES_PER_MINUTE + 3)
                .as("other addresses, configuration changes and successes are not limited");
        assertThat(out.get(out.size() - 3)).contains("192.0.2.1");
    }

    @Test
    void aRepeatedSignInIsKnownWithoutRecordingIt() {
        AuditTrail trail = new AuditTrail("SRI_NODE", "test");
        List<String> out = new ArrayList<>();
        trail.sendTo(out::add);
        assertThat(trail.loginRecordedRecently("oidc:olivia", "192.0.2.7", false))
                .isFalse();
        trail.login("oidc:olivia", "192.0.2.7", null);
        assertThat(out).hasSize(1);
        assertThat(trail.loginRecordedRecently("oidc:olivia", "192.0.2.7", false))
                .isTrue();
        assertThat(trail.loginRecordedRecently("oidc:olivia", "192.0.2.8", false))
                .as("another address")
                .isFalse();
        assertThat(trail.loginRecordedRecently("oidc:olivia", "192.0.2.7", true))
                .as("without a role")
                .isFalse();
        trail.login("oidc:olivia", "192.0.2.7", null);
        assertThat(out).as("the repeat is not recorded").hasSize(1);
    }
}
