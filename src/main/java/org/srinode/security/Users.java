package org.srinode.security;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.srinode.db.Database;
import org.srinode.db.Sql;
import org.srinode.db.Tx;

/**
 * The node's HTTP users, in its database: a name, a role ({@code viewer}, {@code operator} or
 * {@code admin}) and a salted bcrypt hash of the password (Elytron through Quarkus' {@link BcryptUtil},
 * cost 12; the modular-crypt string carries salt and cost). On a first start with no user, a node with the web role
 * (not an enhance-only worker) creates an
 * {@code admin} is created: with {@code SRI_ADMIN_PASSWORD} when set, else with a random password
 * written once to {@code $SRI_DATA_DIR/admin-password} (mode 0600); the log says where, never what.
 */
@ApplicationScoped
public class Users {
    private static final Logger LOG = Logger.getLogger(Users.class);
    /** The roles, each including the ones after it. */
    public static final List<String> ROLES = List.of("admin", "operator", "viewer");

    static final int COST = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A user as the API shows it (never the hash).
     *
     * @param username  the login name
     * @param role      viewer, operator or admin
     * @param createdAt when it was created
     */
    public record User(String username, String role, Instant createdAt) {}

    private final DataSource ds;
    private final Optional<String> adminPassword;
    private final Path dataDir;
    private final boolean webRole;

    @Inject
    public Users(
            Database db,
            @ConfigProperty(name = "sri.admin-password") Optional<String> adminPassword,
            @ConfigProperty(name = "sri.data-dir") String dataDir,
            @ConfigProperty(name = "sri.role.web", defaultValue = "true") boolean webRole) {
        this.ds = db.dataSource();
        this.webRole = webRole;
        this.adminPassword = adminPassword.filter(s -> !s.isBlank());
        this.dataDir = Path.of(dataDir);
    }

    void onStart(@Observes StartupEvent ev) throws IOException {
        // only a node with the web page makes the first user: an enhance-only worker that starts first in a cluster
        // would otherwise write the random password to its own data folder, where nobody looks (and a pod may lose it)
        if (!webRole || !list().isEmpty()) {
            return;
        }
        if (adminPassword.isPresent()) {
            put("admin", "admin", adminPassword.get());
            LOG.info("no HTTP user yet: created 'admin' with the password from SRI_ADMIN_PASSWORD");
            return;
        }
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Path file = dataDir.resolve("admin-password");
        Files.createDirectories(dataDir);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, password + "\n", StandardOpenOption.TRUNCATE_EXISTING);
        put("admin", "admin", password);
        LOG.infof(
                "no HTTP user yet: created 'admin'; its password is in %s (readable by this account only). "
                        + "Change it with ./sri-node user passwd admin, then delete the file",
                file.toAbsolutePath());
    }

    /** The roles a user of {@code role} holds: admin is also operator and viewer, operator also viewer. */
    public static Set<String> rolesOf(String role) {
        int i = ROLES.indexOf(role);
        return i < 0 ? Set.of() : Set.copyOf(ROLES.subList(i, ROLES.size()));
    }

    /**
     * Creates or replaces a user.
     *
     * @throws IllegalArgumentException for an unknown role, a name outside [A-Za-z0-9._-]{1,64} or a password shorter than 12 characters
     */
    public void put(String username, String role, String password) {
        if (username == null || !username.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("a user name is 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("the role is one of " + ROLES + ", not " + role);
        }
        if (password == null || password.length() < 12) {
            throw new IllegalArgumentException("a password has at least 12 characters");
        }
        String hash = BcryptUtil.bcryptHash(password, COST);
        Tx.run(ds, c -> {
            lockAdmins(c);
            if (!role.equals("admin") && isLastAdmin(c, username)) {
                throw new LastAdmin("'" + username + "' is the last admin: make another user admin first");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    Sql.merge("app_user", 1, "username", "password_hash", "role", "+created_at:TIMESTAMP"))) {
                ps.setString(1, username);
                ps.setString(2, hash);
                ps.setString(3, role);
                ps.setTimestamp(4, Timestamp.from(Instant.now()), Sql.utc());
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Refused: the change would leave the node without an admin. */
    public static final class LastAdmin extends RuntimeException {
        LastAdmin(String message) {
            super(message, null, false, false);
        }
    }

    /** Locks the admin rows for the rest of the transaction: two changes cannot both remove "the other" admin. */
    private static void lockAdmins(java.sql.Connection c) throws java.sql.SQLException {
        try (PreparedStatement ps =
                        c.prepareStatement("SELECT username FROM app_user WHERE role = 'admin' FOR UPDATE");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                // locked
            }
        }
    }

    private static boolean isLastAdmin(java.sql.Connection c, String username) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT username FROM app_user WHERE role = 'admin'");
                ResultSet rs = ps.executeQuery()) {
            List<String> admins = new ArrayList<>();
            while (rs.next()) {
                admins.add(rs.getString(1));
            }
            return admins.size() == 1 && admins.get(0).equals(username);
        }
    }

    /** Removes a user; false when there was none. The last admin cannot be removed ({@link LastAdmin}). */
    public boolean remove(String username) {
        return Tx.run(ds, c -> {
            lockAdmins(c);
            if (isLastAdmin(c, username)) {
                throw new LastAdmin("'" + username + "' is the last admin");
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM app_user WHERE username = ?")) {
                ps.setString(1, username);
                return ps.executeUpdate() == 1;
            }
        });
    }

    public List<User> list() {
        return Tx.run(ds, c -> {
            List<User> all = new ArrayList<>();
            try (PreparedStatement ps =
                            c.prepareStatement("SELECT username, role, created_at FROM app_user ORDER BY username");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(new User(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getTimestamp(3, Sql.utc()).toInstant()));
                }
            }
            return all;
        });
    }

    public Optional<User> find(String username) {
        return Tx.run(ds, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT username, role, created_at FROM app_user WHERE username = ?")) {
                ps.setString(1, username);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new User(
                                    rs.getString(1),
                                    rs.getString(2),
                                    rs.getTimestamp(3, Sql.utc()).toInstant()))
                            : Optional.empty();
                }
            }
        });
    }

    /**
     * Passwords verified recently, so that HTTP Basic (credentials on every request) does not cost a bcrypt each
     * time: per stored bcrypt hash, an HMAC-SHA256 of the password under a key made at start-up (never stored),
     * and when it expires. A changed password has a new hash and misses; a removed user has no row. Measured with
     * bench e2e: a client polling the API with Basic credentials made bcrypt (cost 12) take most of the CPU the
     * model needed on a 2-core machine.
     */
    private record Verified(byte[] mac, Instant until) {}

    /** How long a verified password is accepted without bcrypt. */
    static final java.time.Duration VERIFIED_FOR = java.time.Duration.ofMinutes(10);

    private final java.util.Map<String, Verified> verified = new java.util.concurrent.ConcurrentHashMap<>();
    private final javax.crypto.spec.SecretKeySpec macKey =
            new javax.crypto.spec.SecretKeySpec(randomKey(), "HmacSHA256");

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        return k;
    }

    private byte[] mac(String username, String password) {
        try {
            javax.crypto.Mac m = javax.crypto.Mac.getInstance("HmacSHA256");
            m.init(macKey);
            return m.doFinal((username + "\u0000" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The user's role when the password matches its hash; empty otherwise (unknown user included). Takes bcrypt's
     * time, except for a password verified within {@link #VERIFIED_FOR} against the same stored hash.
     */
    public Optional<String> verify(String username, String password) {
        String[] row = Tx.run(ds, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT password_hash, role FROM app_user WHERE username = ?")) {
                ps.setString(1, username);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
                }
            }
        });
        if (row == null) {
            BcryptUtil.matches(password, DUMMY); // the same time for an unknown name
            return Optional.empty();
        }
        Verified v = verified.get(row[0]);
        byte[] mac = mac(username, password);
        if (v != null && v.until().isAfter(Instant.now()) && java.security.MessageDigest.isEqual(v.mac(), mac)) {
            return Optional.of(row[1]);
        }
        if (!BcryptUtil.matches(password, row[0])) {
            return Optional.empty();
        }
        if (verified.size() >= 10_000) {
            verified.clear();
        }
        verified.put(row[0], new Verified(mac, Instant.now().plus(VERIFIED_FOR)));
        return Optional.of(row[1]);
    }

    private static final String DUMMY = BcryptUtil.bcryptHash("not a password of anyone", COST);
}
