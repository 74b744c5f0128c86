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
 * The Storage SCU as a Camel producer. Body: a collection of Part 10 file paths, or one path (a file, or
 * a folder whose files are all sent). Fails the exchange unless every instance is acknowledged.
 */
public class DimseProducer extends DefaultProducer {
    public DimseProducer(DimseEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public DimseEndpoint getEndpoint() {
        return (DimseEndpoint) super.getEndpoint();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        List<Path> files = filesOf(exchange.getIn().getBody());
        DimseConfiguration c = getEndpoint().getConfiguration();
        exchange.getIn().setHeader(DimseConstants.SENT, files.size());
        int done = StoreScu.send(c.getHost(), c.getPort(), c.getCalledAeTitle(), c.getAeTitle(), files);
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
