package org.srinode.api;

import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** HTTP problem details (RFC 9457, {@code application/problem+json}): status, title and what to fix. */
public final class Problem {
    public static final String MEDIA_TYPE = "application/problem+json";

    private Problem() {}

    /**
     * @param status the HTTP status
     * @param detail what was wrong and what to do, in words
     */
    public static Response of(Response.Status status, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", status.getReasonPhrase());
        body.put("status", status.getStatusCode());
        body.put("detail", detail);
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }
}
