package org.srinode;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.srinode.security.HttpsSetup;

/**
 * The node's entry point: decides how HTTP is secured ({@link HttpsSetup}; the self-signed certificate must
 * exist before Quarkus reads its TLS configuration) and whether the audit trail also goes to syslog
 * ({@code SRI_AUDIT_SYSLOG}), then starts Quarkus. Settings come from the environment
 * ({@code SRI_HTTP_TLS_CERT}, ...) or the matching system properties ({@code -Dsri.http.tls-cert=...}).
 */
@QuarkusMain
public final class NodeMain {
    private NodeMain() {}

    /**
     * Sets a property the node decided, unless the operator set it: as a system property, or as its environment
     * variable (MicroProfile Config's name: non-alphanumerics as '_', upper case), which system properties would
     * otherwise outrank.
     */
    static void setUnlessOperatorDid(String property, String value) {
        String envName = property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
        if (System.getProperty(property) == null && System.getenv(envName) == null) {
            System.setProperty(property, value);
        }
    }

    public static void main(String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        Map<String, String> properties = Map.of(
                "SRI_DATA_DIR",
                "sri.data-dir",
                "SRI_HTTP_TLS_CERT",
                "sri.http.tls-cert",
                "SRI_HTTP_TLS_KEY",
                "sri.http.tls-key",
                "SRI_HTTP_INSECURE",
                "sri.http.insecure",
                "SRI_AUDIT_SYSLOG",
                "sri.audit.syslog");
        properties.forEach((name, property) -> {
            if (System.getProperty(property) != null) {
                env.put(name, System.getProperty(property));
            }
        });
        try {
            // the data folder holds patient data: private to the node's account, whatever the umask gives its files
            String done =
                    org.srinode.security.DataFolder.makePrivate(Path.of(env.getOrDefault("SRI_DATA_DIR", "./data")));
            if (!done.isEmpty()) {
                System.err.println("sri-node: " + done);
            }
        } catch (java.io.IOException | UnsupportedOperationException e) {
            System.err.println("sri-node: cannot make the data folder private (SRI_DATA_DIR): " + e.getMessage());
        }
        try {
            // the audit trail holds patient identifiers: its folder is the node account's only
            java.nio.file.Path audit =
                    Path.of(env.getOrDefault("SRI_DATA_DIR", "./data")).resolve("audit");
            java.nio.file.Files.createDirectories(audit);
            java.nio.file.Files.setPosixFilePermissions(
                    audit, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (java.io.IOException | UnsupportedOperationException e) {
            System.err.println("sri-node: cannot make the audit folder private: " + e.getMessage());
        }
        // the parts of the node this process runs (issue 14): routes and beans read sri.role.<role>
        try {
            java.util.Set<NodeRoles> roles =
                    NodeRoles.parse(System.getProperty("sri.node.roles", env.get("SRI_NODE_ROLES")));
            NodeRoles.properties(roles).forEach(System::setProperty);
            System.setProperty(
                    "sri.node.roles.describe",
                    roles.size() == NodeRoles.values().length
                            ? "all"
                            : roles.stream().map(NodeRoles::key).collect(java.util.stream.Collectors.joining(",")));
        } catch (IllegalArgumentException e) {
            System.err.println("sri-node: " + e.getMessage());
            System.exit(2);
            return;
        }
        // a shared PostgreSQL (SRI_DB_URL) replaces the embedded H2 database, whose datasource is then not started
        if (!System.getProperty("sri.db.url", env.getOrDefault("SRI_DB_URL", ""))
                .isBlank()) {
            setUnlessOperatorDid("quarkus.datasource.active", "false");
        }
        // OpenID Connect (security.OidcSettings): the provider's tenant exists only when an issuer is named; without it
        // the node's own users are the only way in
        boolean oidc = !System.getProperty("sri.oidc.issuer", env.getOrDefault("SRI_OIDC_ISSUER", ""))
                .isBlank();
        setUnlessOperatorDid("quarkus.oidc.tenant-enabled", Boolean.toString(oidc));
        HttpsSetup.Decision https;
        try {
            https = HttpsSetup.decide(env, Path.of(env.getOrDefault("SRI_DATA_DIR", "./data")));
        } catch (Exception e) {
            System.err.println("sri-node: cannot set up HTTPS: " + e.getMessage());
            System.exit(2);
            return;
        }
        https.properties().forEach((k, v) -> {
            if (k.startsWith("sri.")) {
                System.setProperty(k, v); // what the node decided, read by its own beans
            } else {
                setUnlessOperatorDid(k, v);
            }
        });
        System.setProperty("sri.http.describe", https.describe());
        // the web page's session cookies are encrypted with a key made now and never stored: a restart signs everybody
        // out
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        setUnlessOperatorDid(
                "quarkus.http.auth.session.encryption-key",
                java.util.Base64.getEncoder().encodeToString(key));
        // the audit trail's syslog handler is attached only when an audit repository is named (application.properties)
        String syslog = env.getOrDefault("SRI_AUDIT_SYSLOG", "").trim();
        // with TLS (RFC 5425) the audit trail attaches a handler of its own at start-up (audit.SyslogTls): the
        // configured one
        // would connect with the JDK's defaults (no host name check, no client certificate) before that
        boolean syslogTls = Boolean.parseBoolean(
                System.getProperty("sri.audit.syslog-tls", env.getOrDefault("SRI_AUDIT_SYSLOG_TLS", "false"))
                        .trim());
        if (!syslog.isEmpty() && !syslogTls) {
            setUnlessOperatorDid("quarkus.log.category.\"sri.atna\".handlers", "atna-file,atna-syslog");
        }
        // Camel Quarkus starts its routes from its own application class; a @QuarkusMain must hand over to it
        Quarkus.run(org.apache.camel.quarkus.main.CamelMainApplication.class, args);
    }
}
