package org.srinode.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.security.AuthenticationFailedException;
import java.nio.file.Path;
import java.util.Optional;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.audit.AuditTrail;
import org.srinode.db.Database;

/** Brute force (issue 12): failures are limited per user name and per address. */
class NodeIdentityProviderTest {
    @TempDir
    Path data;

    private NodeIdentityProvider provider() throws Exception {
        JdbcDataSource ds = org.srinode.db.TestDatabases.h2();
        Users users = new Users(new Database(ds), Optional.empty(), data.toString(), true);
        users.put("admin", "admin", "the-admin-password");
        users.put("vera", "viewer", "the-viewer-password");
        return new NodeIdentityProvider(users, new AuditTrail("SRI_NODE", "test"));
    }

    @Test
    void fiveFailuresLockTheNameNotTheOthers() throws Exception {
        NodeIdentityProvider p = provider();
        for (int i = 0; i < NodeIdentityProvider.MAX_FAILURES; i++) {
            final int n = i;
            assertThatThrownBy(() -> p.check("vera", "wrong-" + n, "192.0.2.1"))
                    .isInstanceOf(AuthenticationFailedException.class);
        }
        assertThatThrownBy(() -> p.check("vera", "the-viewer-password", "192.0.2.2"))
                .as("locked, even with the password")
                .isInstanceOf(AuthenticationFailedException.class);
        assertThat(p.check("admin", "the-admin-password", "192.0.2.1").getRoles())
                .contains("admin");
    }

    @Test
    void aSprayOfNamesFromOneAddressLocksThatAddress() throws Exception {
        NodeIdentityProvider p = provider();
        for (int i = 0; i < NodeIdentityProvider.MAX_FAILURES_PER_ADDRESS; i++) {
            final int n = i;
            assertThatThrownBy(() -> p.check("made-up-" + n, "guess", "198.51.100.7"))
                    .isInstanceOf(AuthenticationFailedException.class);
        }
        assertThatThrownBy(() -> p.check("admin", "the-admin-password", "198.51.100.7"))
                .as("that address is refused")
                .isInstanceOf(AuthenticationFailedException.class);
        assertThat(p.check("admin", "the-admin-password", "198.51.100.8")
                        .getPrincipal()
                        .getName())
                .isEqualTo("admin");
    }
}
