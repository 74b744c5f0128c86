package org.srinode.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Answers a request in the HTTP layer, before JAX-RS (where api.Problem answers), with an RFC 9457 problem detail
 * ({@code application/problem+json}: type about:blank, the status's reason phrase as title, the status, what to do).
 * The filters and failure handlers of the node (sign-in callbacks, an unreachable OpenID provider, a node without the web
 * role) answer through it.
 */
public final class HttpProblem {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpProblem() {}

    /** Ends the response of {@code rc} with {@code status} and a problem detail saying {@code detail}. */
    public static void answer(RoutingContext rc, int status, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", HttpResponseStatus.valueOf(status).reasonPhrase());
        body.put("status", status);
        body.put("detail", detail);
        try {
            rc.response()
                    .setStatusCode(status)
                    .putHeader("Content-Type", "application/problem+json")
                    .end(JSON.writeValueAsString(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            rc.response().setStatusCode(status).end();
        }
    }
}
