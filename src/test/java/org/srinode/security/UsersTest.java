package org.srinode.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.db.Database;

/**
 * Password checks with the verified-password cache: a change of password, role or user takes effect at once; the
 * first user is made by a node with the web role only.
 */
class UsersTest {
    @TempDir
    Path data;

    @Test
    void aCachedVerificationNeverOutlivesAChange() throws Exception {
        JdbcDataSource ds = org.srinode.db.TestDatabases.h2();
        Users users = new Users(new Database(ds), Optional.empty(), data.toString(), true);
        users.put("admin", "admin", "first-admin-password");
        users.put("vera", "viewer", "vera-password-0001");
        assertThat(users.verify("vera", "vera-password-0001")).contains("viewer");
        assertThat(users.verify("vera", "vera-password-0001"))
                .as("from the cache")
                .contains("viewer");
        assertThat(users.verify("vera", "vera-password-0002"))
                .as("another password is checked, not cached")
                .isEmpty();
        assertThat(users.verify("admin", "vera-password-0001"))
                .as("another user with her password")
                .isEmpty();
        users.put("vera", "operator", "vera-password-0001"); // a role change (and a new hash)
        assertThat(users.verify("vera", "vera-password-0001")).contains("operator");
        users.put("vera", "operator", "vera-new-password-01");
        assertThat(users.verify("vera", "vera-password-0001"))
                .as("the old password after a change")
                .isEmpty();
        assertThat(users.verify("vera", "vera-new-password-01")).contains("operator");
        users.remove("vera");
        assertThat(users.verify("vera", "vera-new-password-01"))
                .as("a removed user")
                .isEmpty();
        assertThat(users.find("admin")).map(Users.User::role).contains("admin");
        assertThat(users.find("nobody")).isEmpty();
    }

    @Test
    void onlyANodeWithTheWebRoleMakesTheFirstUser() throws Exception {
        JdbcDataSource ds = org.srinode.db.TestDatabases.h2();
        Database db = new Database(ds);
        // an enhance-only worker that starts first in a cluster: no user, no password file in its own data folder
        new Users(db, Optional.empty(), data.resolve("worker").toString(), false).onStart(null);
        assertThat(new Users(db, Optional.empty(), data.toString(), true).list())
                .isEmpty();
        assertThat(data.resolve("worker").resolve("admin-password")).doesNotExist();
        // then a node with the web page: the admin and its password file
        Users web = new Users(db, Optional.empty(), data.resolve("web").toString(), true);
        web.onStart(null);
        assertThat(web.list()).extracting(Users.User::username).containsExactly("admin");
        assertThat(data.resolve("web").resolve("admin-password")).exists();
    }
}
