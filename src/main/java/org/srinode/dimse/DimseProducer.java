package org.srinode.dimse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;

/**
 * The Storage SCU ({@link StoreScu}) as a Camel producer. Body: a collection of Part 10 file paths, or one path (a file,
 * or a folder whose files are all sent). Fails the exchange unless every instance is acknowledged. With {@code tls=true}
 * the TLS settings are read when the route starts, so a missing or mismatched certificate or key stops the start-up
 * with a message naming the file instead of failing each delivery.
 */
public class DimseProducer extends DefaultProducer {
    private StoreScu.Settings settings;

    public DimseProducer(DimseEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        DimseConfiguration c = getEndpoint().getConfiguration();
        for (String ae : List.of(c.getAeTitle(), c.getCalledAeTitle())) {
            if (ae == null
                    || ae.isBlank()
                    || ae.length() > 16
                    || !ae.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f && ch != '\\')) {
                throw new IllegalArgumentException(
                        "dimse:scu: AE title '" + ae + "' must be 1 to 16 printable ASCII characters (PS3.5 AE)");
            }
        }
        javax.net.ssl.SSLContext tls = null;
        if (c.isTls()) {
            boolean cert = !c.getTlsCertificate().isBlank();
            if (cert != !c.getTlsKey().isBlank()) {
                throw new IllegalArgumentException(
                        "dimse:scu: tlsCertificate and tlsKey go together (a client certificate and its key)");
            }
            tls = DicomTls.context(
                    cert ? Path.of(c.getTlsCertificate()) : null,
                    cert ? Path.of(c.getTlsKey()) : null,
                    c.getTlsCa().isBlank() ? null : Path.of(c.getTlsCa()));
        } else if (!c.getTlsCertificate().isBlank() || !c.getTlsCa().isBlank()) {
            throw new IllegalArgumentException(
                    "dimse:scu: TLS settings are given but tls=true is not; add it or remove them");
        }
        settings = new StoreScu.Settings(
                c.getHost(),
                c.getPort(),
                c.getCalledAeTitle().trim(),
                c.getAeTitle().trim(),
                tls,
                c.isTlsVerifyHostname(),
                c.getConnectTimeoutMs(),
                c.getResponseTimeoutMs());
    }

    @Override
    public DimseEndpoint getEndpoint() {
        return (DimseEndpoint) super.getEndpoint();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        List<Path> files = filesOf(exchange.getIn().getBody());
        exchange.getIn().setHeader(DimseConstants.SENT, files.size());
        int done = StoreScu.send(settings, files);
        exchange.getIn().setHeader(DimseConstants.COMPLETED, done);
    }

    static List<Path> filesOf(Object body) throws Exception {
        List<Path> files = new ArrayList<>();
        if (body instanceof Collection<?> c) {
            for (Object o : c) {
                files.add(o instanceof Path p ? p : Path.of(o.toString()));
            }
        } else if (body instanceof Path p && Files.isDirectory(p)) {
            try (Stream<Path> s = Files.list(p)) {
                s.filter(Files::isRegularFile).sorted().forEach(files::add);
            }
        } else if (body instanceof Path p) {
            files.add(p);
        } else {
            throw new IllegalArgumentException("dimse:scu needs a collection of file paths or a path, not "
                    + (body == null ? "null" : body.getClass().getName()));
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("dimse:scu: nothing to send");
        }
        return files;
    }
}
