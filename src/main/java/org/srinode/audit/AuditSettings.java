package org.srinode.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** Settings of the audit trail ({@code SRI_AUDIT_*}): where its messages go besides the node's own audit file. */
@ConfigMapping(prefix = "sri.audit")
public interface AuditSettings {
    /** Audit Source's Enterprise Site ID (PS3.15 A.5.1: AuditSourceIdentification). */
    @WithDefault("sri-node")
    String siteId();

    /** An audit repository over syslog, {@code host:port} (RFC 5424 over UDP, or RFC 5425 with {@link #syslogTls}). */
    Optional<String> syslog();

    /** Syslog over TLS (RFC 5425) with the node's TLS profile instead of UDP. */
    @WithDefault("false")
    boolean syslogTls();

    /** PEM file of the CA that signed the repository's certificate (TLS); the JVM's trust store when absent. */
    Optional<Path> syslogCa();

    /** PEM file of the node's client certificate for the repository (TLS), with {@link #syslogKey}. */
    Optional<Path> syslogCert();

    /** PEM file of the key of {@link #syslogCert}. */
    Optional<Path> syslogKey();
}
