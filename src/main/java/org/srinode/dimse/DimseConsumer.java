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
        server = new ScpServer(c.scpSettings(), spool, this::onStored);
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

    private void onStored(SpooledInstance instance, String callingAe) throws Exception {
        Exchange exchange = createExchange(false);
        try {
            exchange.getIn().setBody(instance);
            exchange.getIn().setHeader(DimseConstants.CALLING_AE_TITLE, callingAe);
            exchange.getIn().setHeader(DimseConstants.SOP_INSTANCE_UID, instance.header().sopInstanceUid());
            exchange.getIn().setHeader(DimseConstants.SERIES_INSTANCE_UID, instance.header().seriesInstanceUid());
            exchange.getIn().setHeader(DimseConstants.STUDY_INSTANCE_UID, instance.header().studyInstanceUid());
            getProcessor().process(exchange);
            if (exchange.getException() != null) {
                throw exchange.getException();
            }
        } finally {
            releaseExchange(exchange, false);
        }
    }
}
