package org.srinode.dimse;

import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;
import org.apache.camel.spi.UriPath;

/** Options of {@code dimse:scp} (Storage and Verification SCP) and {@code dimse:scu} (Storage SCU). */
@UriParams
public class DimseConfiguration {
    @UriPath(enums = "scp,scu", description = "scp: receive (consumer); scu: send (producer)")
    @Metadata(required = true)
    private String role;

    @UriParam(defaultValue = "SRI_NODE", description = "SCP: AE title the node answers to. SCU: calling AE title")
    private String aeTitle = "SRI_NODE";

    @UriParam(defaultValue = "11112", description = "SCP: port to listen on (0: any free port). SCU: remote port")
    private int port = 11112;

    @UriParam(defaultValue = "0.0.0.0", description = "SCP: address to listen on")
    private String bindAddress = "0.0.0.0";

    @UriParam(description = "SCP: comma-separated calling AE titles allowed; empty accepts any (logged as a warning)")
    private String allowedCallingAeTitles = "";

    @UriParam(defaultValue = "16", description = "SCP: concurrent associations; more are rejected as transient")
    private int maxAssociations = 16;

    @UriParam(
            defaultValue = "262144",
            description = "SCP: largest P-DATA-TF PDU received (Maximum Length Receive), in bytes")
    private int maxPduSize = 262144;

    @UriParam(
            defaultValue = "60000",
            description = "SCP: an established association silent this long is aborted, in ms")
    private int idleTimeoutMs = 60000;

    @UriParam(
            defaultValue = "10000",
            description = "SCP: PS3.8 ARTIM timer, in ms: a new connection must send its "
                    + "A-ASSOCIATE-RQ within it, and a peer must close within it after release or abort")
    private int artimTimeoutMs = 10000;

    @UriParam(
            defaultValue = "1024",
            description =
                    "SCP: connections not yet associated (they hold no thread); beyond this " + "the oldest is dropped")
    private int maxPendingConnections = 1024;

    @UriParam(description = "SCP: spool folder where received instances become durable before success is answered")
    private String spoolDirectory = "data/spool";

    @UriParam(
            defaultValue = "512",
            description = "SCP: free disk space to keep, in MiB; below it C-STORE answers 0xA700")
    private long reserveMb = 512;

    @UriParam(
            defaultValue = "2762",
            description = "SCP: TLS port (PS3.15 B.9 to B.11, BCP 195), used when tlsCertificate and "
                    + "tlsKey are set (0: any free port); with port -1 the SCP listens with TLS only")
    private int tlsPort = 2762;

    @UriParam(
            description =
                    "SCP: PEM certificate chain of the TLS listener; empty: no TLS listener. SCU with tls: the client "
                            + "certificate shown to a peer that asks for one; empty: none")
    private String tlsCertificate = "";

    @UriParam(description = "PEM private key of tlsCertificate")
    private String tlsKey = "";

    @UriParam(
            description = "SCP: PEM certificates trusted to sign peers' certificates; when set, peers must present one "
                    + "(client authentication), and allow-list entries AE@CN=... can bind AE titles to it. SCU with tls: the "
                    + "certificates trusted to sign the peer's; empty: the JDK's default trust store")
    private String tlsCa = "";

    @UriParam(
            defaultValue = "false",
            description = "SCU: connect with TLS (PS3.15 B.9 to B.11, BCP 195: TLS 1.2/1.3, AEAD suites)")
    private boolean tls;

    @UriParam(
            defaultValue = "true",
            description =
                    "SCU with tls: the peer's certificate must name host (subject alternative " + "name), as for HTTPS")
    private boolean tlsVerifyHostname = true;

    @UriParam(defaultValue = "10000", description = "SCU: TCP connect and TLS handshake limit, in ms")
    private int connectTimeoutMs = 10000;

    @UriParam(
            defaultValue = "60000",
            description = "SCU: longest wait for the association reply and for each C-STORE-RSP, and "
                    + "longest a write may stay blocked on a peer that stopped reading, in ms")
    private int responseTimeoutMs = 60000;

    @UriParam(description = "SCU: remote host")
    private String host = "127.0.0.1";

    @UriParam(description = "SCU: called AE title of the remote AE")
    private String calledAeTitle = "ANY-SCP";

    public String getRole() {
        return role;
    }

    public void setRole(String role) {
        this.role = role;
    }

    public String getAeTitle() {
        return aeTitle;
    }

    public void setAeTitle(String aeTitle) {
        this.aeTitle = aeTitle;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public String getBindAddress() {
        return bindAddress;
    }

    public void setBindAddress(String bindAddress) {
        this.bindAddress = bindAddress;
    }

    public String getAllowedCallingAeTitles() {
        return allowedCallingAeTitles;
    }

    public void setAllowedCallingAeTitles(String allowedCallingAeTitles) {
        this.allowedCallingAeTitles = allowedCallingAeTitles;
    }

    public int getMaxAssociations() {
        return maxAssociations;
    }

    public void setMaxAssociations(int maxAssociations) {
        this.maxAssociations = maxAssociations;
    }

    public int getMaxPduSize() {
        return maxPduSize;
    }

    public void setMaxPduSize(int maxPduSize) {
        this.maxPduSize = maxPduSize;
    }

    public int getIdleTimeoutMs() {
        return idleTimeoutMs;
    }

    public void setIdleTimeoutMs(int idleTimeoutMs) {
        this.idleTimeoutMs = idleTimeoutMs;
    }

    public int getArtimTimeoutMs() {
        return artimTimeoutMs;
    }

    public void setArtimTimeoutMs(int artimTimeoutMs) {
        this.artimTimeoutMs = artimTimeoutMs;
    }

    public int getMaxPendingConnections() {
        return maxPendingConnections;
    }

    public void setMaxPendingConnections(int maxPendingConnections) {
        this.maxPendingConnections = maxPendingConnections;
    }

    public String getSpoolDirectory() {
        return spoolDirectory;
    }

    public void setSpoolDirectory(String spoolDirectory) {
        this.spoolDirectory = spoolDirectory;
    }

    public long getReserveMb() {
        return reserveMb;
    }

    public void setReserveMb(long reserveMb) {
        this.reserveMb = reserveMb;
    }

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public String getCalledAeTitle() {
        return calledAeTitle;
    }

    public void setCalledAeTitle(String calledAeTitle) {
        this.calledAeTitle = calledAeTitle;
    }

    public int getTlsPort() {
        return tlsPort;
    }

    public void setTlsPort(int tlsPort) {
        this.tlsPort = tlsPort;
    }

    public String getTlsCertificate() {
        return tlsCertificate;
    }

    public void setTlsCertificate(String tlsCertificate) {
        this.tlsCertificate = tlsCertificate == null ? "" : tlsCertificate.trim();
    }

    public String getTlsKey() {
        return tlsKey;
    }

    public void setTlsKey(String tlsKey) {
        this.tlsKey = tlsKey == null ? "" : tlsKey.trim();
    }

    public String getTlsCa() {
        return tlsCa;
    }

    public void setTlsCa(String tlsCa) {
        this.tlsCa = tlsCa == null ? "" : tlsCa.trim();
    }

    ScpSettings scpSettings() {
        java.util.Set<String> allowed = java.util.Arrays.stream(allowedCallingAeTitles.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        return new ScpSettings(
                aeTitle,
                port,
                bindAddress,
                allowed,
                maxAssociations,
                maxPduSize,
                idleTimeoutMs,
                artimTimeoutMs,
                maxPendingConnections);
    }

    public boolean isTls() {
        return tls;
    }

    public void setTls(boolean tls) {
        this.tls = tls;
    }

    public boolean isTlsVerifyHostname() {
        return tlsVerifyHostname;
    }

    public void setTlsVerifyHostname(boolean tlsVerifyHostname) {
        this.tlsVerifyHostname = tlsVerifyHostname;
    }

    public int getConnectTimeoutMs() {
        return connectTimeoutMs;
    }

    public void setConnectTimeoutMs(int connectTimeoutMs) {
        this.connectTimeoutMs = connectTimeoutMs;
    }

    public int getResponseTimeoutMs() {
        return responseTimeoutMs;
    }

    public void setResponseTimeoutMs(int responseTimeoutMs) {
        this.responseTimeoutMs = responseTimeoutMs;
    }
}
