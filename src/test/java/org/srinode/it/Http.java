package org.srinode.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Small JSON/bytes HTTP client for the node's and Orthanc's REST APIs. Every request is signed in as the
 * node's test admin (HTTP Basic; Orthanc in the tests has authentication off and ignores the header);
 * {@link #statusAs} sends other credentials or none.
 */
final class Http {
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ADMIN = basic("admin", Node.ADMIN_PASSWORD);

    private Http() {}

    static String basic(String user, String password) {
        return "Basic "
                + java.util.Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", ADMIN);
    }

    /**
     * The status of a GET over HTTPS without checking the server's certificate (the readiness wait of a node whose
     * self-signed certificate is not known yet; {@link HttpsIT} checks the certificate itself); -1 when it does not answer.
     */
    static int statusTrustingAnyCertificate(String url) throws InterruptedException {
        try {
            javax.net.ssl.SSLContext any = javax.net.ssl.SSLContext.getInstance("TLS");
            any.init(
                    null,
                    new javax.net.ssl.TrustManager[] {
                        new javax.net.ssl.X509TrustManager() {
                            @Override
                            public void checkClientTrusted(
                                    java.security.cert.X509Certificate[] chain, String authType) {}

                            @Override
                            public void checkServerTrusted(
                                    java.security.cert.X509Certificate[] chain, String authType) {}

                            @Override
                            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                                return new java.security.cert.X509Certificate[0];
                            }
                        }
                    },
                    null);
            HttpClient c = HttpClient.newBuilder()
                    .sslContext(any)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            return c.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException | java.security.GeneralSecurityException e) {
            return -1;
        }
    }

    /** The status of a GET with the given Authorization header value (null: none). */
    static int statusAs(String url, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A request with a method and JSON body, with the given Authorization header value (null: none); the response. */
    static HttpResponse<String> sendAs(String method, String url, String json, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends with up to three tries: a peer (Orthanc) may close a kept-alive connection the client then reuses. */
    private static <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return CLIENT.send(req, handler);
            } catch (IOException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        throw last;
    }

    static JsonNode json(String url) throws IOException, InterruptedException {
        HttpResponse<String> r =
                send(request(url).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException(url + " -> HTTP " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /**
     * The JSON at {@code url}, or a missing node while the server answers anything but 2xx (not registered yet) or
     * cannot be reached (restarting): for polls that wait on a state.
     */
    static JsonNode jsonOrMissing(String url) throws InterruptedException {
        try {
            HttpResponse<String> r = CLIENT.send(
                    request(url).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() / 100 == 2 ? JSON.readTree(r.body()) : MissingNode.getInstance();
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    static JsonNode postJson(String url, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = send(
                request(url)
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException(url + " -> HTTP " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    static byte[] bytes(String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> r =
                send(request(url).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() / 100 != 2) {
            throw new IOException(url + " -> HTTP " + r.statusCode());
        }
        return r.body();
    }

    static int status(String url) {
        try {
            return CLIENT.send(
                            request(url).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
