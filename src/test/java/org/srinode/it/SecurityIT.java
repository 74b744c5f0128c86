package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, HTTP part: a node started with defaults creates its first admin with a random password in
 * a file only its account can read; without a login every endpoint the OpenAPI document lists (and the
 * web page and the FHIR sandbox) answers 401, health stays open; roles limit what a user may do; failed
 * logins are rate-limited.
 */
class SecurityIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everythingButHealthNeedsALoginAndRolesLimitWhatAUserMayDo() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        Path data = tmp.resolve("node");
        try (Node node = new Node(data)
                .without("SRI_ADMIN_PASSWORD")
                .with("SRI_ENHANCE_ENABLED", "false")
                .with("SRI_FHIR_SANDBOX", "true")
                .start()) {
            // the first admin: a random password in a 0600 file; the log says where, never what
            Path file = data.resolve("admin-password");
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            String password = Files.readString(file).trim();
            assertThat(password.length()).isGreaterThanOrEqualTo(20);
            assertThat(node.log()).contains(file.toAbsolutePath().toString()).doesNotContain(password);
            String admin = Http.basic("admin", password);

            assertThat(Http.statusAs(node.url("/q/health/ready"), null)).isEqualTo(200);
            assertThat(Http.statusAs(node.url("/q/health/live"), null)).isEqualTo(200);
            // the login page and what it needs load without a login; the page's own script does not
            for (String open : List.of("/login.html", "/login.js", "/sri-node.css")) {
                assertThat(Http.statusAs(node.url(open), null)).as(open).isEqualTo(200);
            }
            assertThat(Http.statusAs(node.url("/sri-node.js"), null)).isEqualTo(401);
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient(); // follows no redirect
            HttpResponse<String> page = client.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.url("/")))
                            .header("Sec-Fetch-Mode", "navigate")
                            .header("Accept", "text/html")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode())
                    .as("a browser opening the page is sent to the login page")
                    .isEqualTo(302);
            assertThat(page.headers().firstValue("Location").orElse("")).endsWith("/login.html");
            HttpResponse<String> api = client.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.url("/api/series")))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(api.statusCode()).isEqualTo(401);
            assertThat(api.headers().firstValue("WWW-Authenticate").orElse(""))
                    .as("an API client is asked for Basic")
                    .isEqualTo("Basic realm=\"sri-node\"");
            HttpResponse<String> openapi = Http.sendAs("GET", node.url("/q/openapi?format=json"), null, admin);
            assertThat(openapi.statusCode()).isEqualTo(200);
            List<String[]> endpoints = new ArrayList<>();
            JsonNode paths = JSON.readTree(openapi.body()).path("paths");
            for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                for (Iterator<String> m = p.getValue().fieldNames(); m.hasNext(); ) {
                    endpoints.add(new String[] {
                        m.next().toUpperCase(java.util.Locale.ROOT), p.getKey().replaceAll("\\{[^}]+}", "x")
                    });
                }
            }
            assertThat(endpoints).extracting(e -> e[1]).contains("/api/series", "/api/users");
            // the picture's ?slice= counts from 0, its label from 1: the API description says which
            JsonNode slice = null;
            for (JsonNode q :
                    paths.path("/api/series/{uid}/preview.png").path("get").path("parameters")) {
                slice = q.path("name").asText().equals("slice") ? q : slice;
            }
            assertThat(slice).as("the preview's slice parameter").isNotNull();
            assertThat(slice.path("description").asText()).contains("counted from 0");
            endpoints.add(new String[] {"GET", "/"});
            endpoints.add(new String[] {"GET", "/q/metrics"});
            endpoints.add(new String[] {"GET", "/q/openapi"});
            endpoints.add(new String[] {"GET", "/fhir/Patient"});
            endpoints.add(new String[] {"POST", "/fhir/Patient"});
            // public like the login page that reads it: which ways to sign in exist, nothing else
            assertThat(endpoints.removeIf(e -> e[1].equals("/api/login/options")))
                    .isTrue();
            HttpResponse<String> options = Http.sendAs("GET", node.url("/api/login/options"), null, null);
            assertThat(options.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(options.body()).size()).isEqualTo(2);
            for (String[] e : endpoints) {
                String body = e[0].equals("GET") || e[0].equals("DELETE") ? null : "{}";
                assertThat(Http.sendAs(e[0], node.url(e[1]), body, null).statusCode())
                        .as(e[0] + " " + e[1] + " without a login")
                        .isEqualTo(401);
                assertThat(Http.sendAs(e[0], node.url(e[1]), body, Http.basic("intruder", "wrong-password-000"))
                                .statusCode())
                        .as(e[0] + " " + e[1] + " with a wrong password")
                        .isEqualTo(401);
            }
            assertThat(Http.statusAs(node.url("/api/series"), admin)).isEqualTo(200);
            assertThat(Http.statusAs(node.url("/fhir/metadata"), admin)).isEqualTo(200);

            // users and roles
            HttpResponse<String> weak = Http.sendAs(
                    "PUT", node.url("/api/users/reader"), "{\"role\":\"viewer\",\"password\":\"short\"}", admin);
            assertThat(weak.statusCode()).isEqualTo(400);
            assertThat(weak.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(weak.body()).contains("at least 12 characters");
            assertThat(Http.sendAs(
                                    "PUT",
                                    node.url("/api/users/reader"),
                                    "{\"role\":\"viewer\",\"password\":\"reader-password-1\"}",
                                    admin)
                            .statusCode())
                    .isEqualTo(201);
            String reader = Http.basic("reader", "reader-password-1");
            assertThat(Http.statusAs(node.url("/api/series"), reader)).isEqualTo(200);
            assertThat(Http.statusAs(node.url("/api/users"), reader)).isEqualTo(403);
            assertThat(JSON.readTree(Http.sendAs("GET", node.url("/api/users/me"), null, reader)
                                    .body())
                            .path("role")
                            .asText())
                    .isEqualTo("viewer");
            // the FHIR sandbox: a viewer reads, only an operator or admin writes
            assertThat(Http.statusAs(node.url("/fhir/Patient"), reader)).isEqualTo(200);
            String patient = "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Test\"}]}";
            assertThat(Http.sendAs("POST", node.url("/fhir/Patient"), patient, reader)
                            .statusCode())
                    .isEqualTo(403);
            assertThat(Http.sendAs(
                                    "POST",
                                    node.url("/fhir"),
                                    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\"}",
                                    reader)
                            .statusCode())
                    .isEqualTo(403);
            // the last admin can be neither removed nor demoted
            assertThat(Http.sendAs(
                                    "PUT",
                                    node.url("/api/users/admin"),
                                    "{\"role\":\"viewer\",\"password\":\"" + password + "\"}",
                                    admin)
                            .statusCode())
                    .isEqualTo(409);
            assertThat(Http.sendAs(
                                    "PUT",
                                    node.url("/api/users/other"),
                                    "{\"role\":\"admin\",\"password\":\"other-password-12\"}",
                                    reader)
                            .statusCode())
                    .isEqualTo(403);
            assertThat(Http.sendAs("DELETE", node.url("/api/users/admin"), null, admin)
                            .statusCode())
                    .as("the last admin stays")
                    .isEqualTo(409);
            assertThat(Http.sendAs("GET", node.url("/api/users"), null, admin).body())
                    .doesNotContain("$2a$")
                    .doesNotContain("password");

            // brute force: after 5 failures within a minute even the right password is refused for that name
            for (int i = 0; i < 5; i++) {
                assertThat(Http.statusAs(node.url("/api/series"), Http.basic("reader", "guess-" + i + "-xxxxxxx")))
                        .isEqualTo(401);
            }
            assertThat(Http.statusAs(node.url("/api/series"), reader)).isEqualTo(401);
            assertThat(node.log())
                    .contains("login failed for user 'reader'")
                    .contains("login refused for user 'reader'");
            assertThat(Http.statusAs(node.url("/api/series"), admin))
                    .as("other users are not locked out")
                    .isEqualTo(200);
        }
        // SRI_METRICS_PUBLIC=true opens the metrics (only them) to a scraper
        try (Node node = new Node(data)
                .without("SRI_ADMIN_PASSWORD")
                .with("SRI_ENHANCE_ENABLED", "false")
                .with("SRI_METRICS_PUBLIC", "true")
                .start()) {
            assertThat(Http.statusAs(node.url("/q/metrics"), null)).isEqualTo(200);
            assertThat(Http.statusAs(node.url("/api/series"), null)).isEqualTo(401);
        }
    }
}
