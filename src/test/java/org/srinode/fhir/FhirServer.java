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

    private FhirServer(Server server, FhirSandbox sandbox, int port) {
        this.server = server;
        this.sandbox = sandbox;
        this.port = port;
    }

    public static FhirServer start(FhirVersion version) throws Exception {
        return start(version, 0);
    }

    public static FhirServer start(FhirVersion version, int port) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
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
        return new FhirServer(server, sandbox, connector.getLocalPort());
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/fhir";
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
