package org.srinode.fhir;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.srinode.fhir.sandbox.FhirSandbox;
import org.srinode.fhir.sandbox.SandboxStore;

/** A real HAPI FHIR server (the node's sandbox class) in Jetty on a free port, for tests. */
public final class FhirServer implements AutoCloseable {
    private final Server server;
    private final FhirSandbox sandbox;
    private final int port;
    private final String scheme;

    private FhirServer(Server server, FhirSandbox sandbox, int port, String scheme) {
        this.server = server;
        this.sandbox = sandbox;
        this.port = port;
        this.scheme = scheme;
    }

    public static FhirServer start(FhirVersion version) throws Exception {
        return start(version, 0);
    }

    public static FhirServer start(FhirVersion version, int port) throws Exception {
        return start(version, port, null, null);
    }

    /**
     * The server over HTTPS with {@code key} (a PKCS#12 store, password "changeit"); with {@code clients} it requires a
     * client certificate one of those signed (TLS client authentication), without it none.
     */
    public static FhirServer startHttps(FhirVersion version, java.security.KeyStore key, java.security.KeyStore clients)
            throws Exception {
        return start(version, 0, key, clients);
    }

    private static FhirServer start(
            FhirVersion version, int port, java.security.KeyStore key, java.security.KeyStore clients)
            throws Exception {
        Server server = new Server();
        ServerConnector connector;
        if (key == null) {
            connector = new ServerConnector(server);
        } else {
            org.eclipse.jetty.util.ssl.SslContextFactory.Server tls =
                    new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
            tls.setKeyStore(key);
            tls.setKeyStorePassword("changeit");
            if (clients != null) {
                tls.setTrustStore(clients);
                tls.setNeedClientAuth(true);
            }
            org.eclipse.jetty.server.HttpConfiguration https = new org.eclipse.jetty.server.HttpConfiguration();
            https.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false));
            connector = new ServerConnector(
                    server,
                    new org.eclipse.jetty.server.SslConnectionFactory(tls, "http/1.1"),
                    new org.eclipse.jetty.server.HttpConnectionFactory(https));
        }
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        FhirSandbox sandbox = new FhirSandbox(version.context());
        ServletHolder holder = new ServletHolder(sandbox);
        holder.setInitOrder(1);
        context.addServlet(holder, "/fhir/*");
        server.setHandler(context);
        server.start();
        return new FhirServer(server, sandbox, connector.getLocalPort(), key == null ? "http" : "https");
    }

    public String baseUrl() {
        return scheme + "://127.0.0.1:" + port + "/fhir";
    }

    public int port() {
        return port;
    }

    public SandboxStore store() {
        return sandbox.store();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
