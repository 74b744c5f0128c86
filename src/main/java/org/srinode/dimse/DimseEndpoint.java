package org.srinode.dimse;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.support.DefaultEndpoint;

/** A DICOM network endpoint: an SCP (consumer) or an SCU towards one remote AE (producer). */
@UriEndpoint(
        firstVersion = "0.1.0",
        scheme = "dimse",
        title = "DIMSE",
        syntax = "dimse:role",
        category = {Category.NETWORKING})
public class DimseEndpoint extends DefaultEndpoint {
    @UriParam
    private final DimseConfiguration configuration;

    DimseEndpoint(String uri, DimseComponent component, DimseConfiguration configuration) {
        super(uri, component);
        this.configuration = configuration;
    }

    public DimseConfiguration getConfiguration() {
        return configuration;
    }

    // options are bound onto the configuration through these delegating setters
    public void setAeTitle(String v) {
        configuration.setAeTitle(v);
    }

    public void setPort(int v) {
        configuration.setPort(v);
    }

    public void setBindAddress(String v) {
        configuration.setBindAddress(v);
    }

    public void setAllowedCallingAeTitles(String v) {
        configuration.setAllowedCallingAeTitles(v);
    }

    public void setMaxAssociations(int v) {
        configuration.setMaxAssociations(v);
    }

    public void setMaxPduSize(int v) {
        configuration.setMaxPduSize(v);
    }

    public void setIdleTimeoutMs(int v) {
        configuration.setIdleTimeoutMs(v);
    }

    public void setArtimTimeoutMs(int v) {
        configuration.setArtimTimeoutMs(v);
    }

    public void setMaxPendingConnections(int v) {
        configuration.setMaxPendingConnections(v);
    }

    public void setSpoolDirectory(String v) {
        configuration.setSpoolDirectory(v);
    }

    public void setReserveMb(long v) {
        configuration.setReserveMb(v);
    }

    public void setTlsPort(int v) {
        configuration.setTlsPort(v);
    }

    public void setTlsCertificate(String v) {
        configuration.setTlsCertificate(v);
    }

    public void setTlsKey(String v) {
        configuration.setTlsKey(v);
    }

    public void setTlsCa(String v) {
        configuration.setTlsCa(v);
    }

    public void setHost(String v) {
        configuration.setHost(v);
    }

    public void setCalledAeTitle(String v) {
        configuration.setCalledAeTitle(v);
    }

    public void setTls(boolean v) {
        configuration.setTls(v);
    }

    public void setTlsVerifyHostname(boolean v) {
        configuration.setTlsVerifyHostname(v);
    }

    public void setConnectTimeoutMs(int v) {
        configuration.setConnectTimeoutMs(v);
    }

    public void setResponseTimeoutMs(int v) {
        configuration.setResponseTimeoutMs(v);
    }

    @Override
    public Producer createProducer() {
        if (!"scu".equals(configuration.getRole())) {
            throw new IllegalArgumentException("only dimse:scu can send; " + getEndpointUri() + " is an SCP");
        }
        return new DimseProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (!"scp".equals(configuration.getRole())) {
            throw new IllegalArgumentException("only dimse:scp can receive; " + getEndpointUri() + " is an SCU");
        }
        DimseConsumer consumer = new DimseConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }
}
