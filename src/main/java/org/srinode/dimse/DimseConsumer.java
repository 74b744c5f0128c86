package org.srinode.dimse;

import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.srinode.spool.Spool;
import org.srinode.spool.SpooledInstance;

/**
 * The Storage/Verification SCP as a Camel consumer: one exchange per instance, created after the
 * instance is durable in the spool; the body is the {@link SpooledInstance}.
 */
public class DimseConsumer extends DefaultConsumer {
    private ScpServer server;

    public DimseConsumer(DimseEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public DimseEndpoint getEndpoint() {
        return (DimseEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        DimseConfiguration c = getEndpoint().getConfiguration();
        Spool spool = new Spool(Path.of(c.getSpoolDirectory()), c.getReserveMb() << 20);
        server = new ScpServer(c.scpSettings(), spool, this::onStored)
                .tellingTo(((DimseComponent) getEndpoint().getComponent()).associationEvents());
        if (!c.getTlsCertificate().isEmpty() || !c.getTlsKey().isEmpty()) {
            if (c.getTlsCertificate().isEmpty() || c.getTlsKey().isEmpty()) {
                throw new IllegalArgumentException(
                        "DICOM TLS needs both a certificate and its key (SRI_DICOM_TLS_CERT, SRI_DICOM_TLS_KEY)");
            }
            server.withTls(
                    DicomTls.context(
                            Path.of(c.getTlsCertificate()),
                            Path.of(c.getTlsKey()),
                            c.getTlsCa().isEmpty() ? null : Path.of(c.getTlsCa())),
                    c.getTlsPort(),
                    !c.getTlsCa().isEmpty());
        } else if (c.getPort() < 0) {
            throw new IllegalArgumentException(
                    "the plain DICOM port is off (-1) and no TLS certificate is set: the SCP would not listen");
        }
        server.start();
    }

    @Override
    protected void doStop() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
        super.doStop();
    }

    public boolean isListening() {
        return server != null && server.isBound();
    }

    public int localPort() {
        return server == null ? -1 : server.localPort();
    }

    /** The TLS listener's port, -1 without one. */
    public int tlsLocalPort() {
        return server == null ? -1 : server.tlsLocalPort();
    }

    private void onStored(SpooledInstance instance, String callingAe) throws Exception {
        Exchange exchange = createExchange(false);
        try {
            exchange.getIn().setBody(instance);
            exchange.getIn().setHeader(DimseConstants.CALLING_AE_TITLE, callingAe);
            exchange.getIn()
                    .setHeader(
                            DimseConstants.SOP_INSTANCE_UID, instance.header().sopInstanceUid());
            exchange.getIn()
                    .setHeader(
                            DimseConstants.SERIES_INSTANCE_UID,
                            instance.header().seriesInstanceUid());
            exchange.getIn()
                    .setHeader(
                            DimseConstants.STUDY_INSTANCE_UID, instance.header().studyInstanceUid());
            getProcessor().process(exchange);
            if (exchange.getException() != null) {
                throw exchange.getException();
            }
        } finally {
            releaseExchange(exchange, false);
        }
    }
}
