package org.srinode.audit;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * The address of an HTTP client as the audit trail records it (Network Access Point ID, PS3.15 A.5.3): the peer's IP
 * address as the node's socket sees it, "unknown" without one.
 */
public final class ClientAddress {
    private ClientAddress() {}

    /** The client's IP address of {@code request} (null allowed). */
    public static String of(HttpServerRequest request) {
        return request == null || request.remoteAddress() == null
                ? "unknown"
                : request.remoteAddress().hostAddress();
    }

    /** The client's IP address of the request in {@code rc} (null allowed). */
    public static String of(RoutingContext rc) {
        return of(rc == null ? null : rc.request());
    }
}
