package org.srinode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * GET requests of the command-line tools to a node's API (or a PACS' REST API), signed in with HTTP
 * Basic as {@code SRI_API_USER} / {@code SRI_API_PASSWORD} when they are set (the node needs a login
 * for everything but health; {@code deploy/local-stack.sh} sets both for the demo and the benchmarks).
 */
final class NodeApi {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private NodeApi() {}

    /** The request with the Authorization header when credentials are configured. */
    static HttpRequest.Builder request(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        String user = System.getenv("SRI_API_USER");
        if (user != null && !user.isBlank()) {
            String pair = user + ":" + System.getenv().getOrDefault("SRI_API_PASSWORD", "");
            b.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        return b;
    }

    /** The JSON body of a 200 answer; null for any other status. */
    static JsonNode getOrNull(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(request(url).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 401) {
            throw new IllegalStateException(
                    "GET " + url + ": 401, the node needs a login: set SRI_API_USER and SRI_API_PASSWORD");
        }
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }

    static HttpResponse<String> send(HttpRequest request) throws Exception {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
