package org.srinode.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenID provider for the tests: node-oidc-provider ({@link JsPeers}; idp.mjs sets up the accounts and clients)
 * run with Node.js on a free loopback port.
 */
final class OpenIdProvider implements AutoCloseable {
    static final String NODE_CLIENT_SECRET = "it-node-client-secret-0123456789abcdef";
    static final String MONITOR_CLIENT_SECRET = "it-monitor-client-secret-0123456789";

    final int port = Ports.free();
    private final Process process;

    /** Starts the provider for a node whose HTTP base URL is {@code nodeUrl} (its redirect URI is registered). */
    OpenIdProvider(Path work, String nodeUrl) throws IOException, InterruptedException {
        Path dir = JsPeers.install();
        Path log = work.resolve("openid-provider.log");
        process = new ProcessBuilder(
                        "node", "idp.mjs", Integer.toString(port), nodeUrl, NODE_CLIENT_SECRET, MONITOR_CLIENT_SECRET)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    var out = Files.newBufferedWriter(log)) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.write(line + "\n");
                    out.flush();
                    if (line.startsWith("listening ")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                // the provider stopped
            }
            ready.complete(false);
        });
        pump.setDaemon(true);
        pump.start();
        try {
            if (!ready.get(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the OpenID provider did not start: " + Files.readString(log));
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("the OpenID provider did not start within 60 s: " + log, e);
        }
    }

    /** The issuer URL (what SRI_OIDC_ISSUER names). */
    String issuer() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * An access token for a client of the provider (client credentials grant, RFC 6749 section 4.4) for a resource
     * ({@code urn:sri-api}: the node's API; {@code urn:other-api}: another application's): a JWT.
     */
    String clientCredentialsToken(String clientId, String secret, String resource)
            throws IOException, InterruptedException {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(issuer() + "/token"))
                                .header("Authorization", Http.basic(clientId, secret))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                        "grant_type=client_credentials&resource="
                                                + java.net.URLEncoder.encode(
                                                        resource, java.nio.charset.StandardCharsets.UTF_8)))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("token request refused: " + r.statusCode() + " " + r.body());
        }
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(r.body())
                .path("access_token")
                .asText();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
