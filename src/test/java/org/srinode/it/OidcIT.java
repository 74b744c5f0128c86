package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 12, OpenID Connect: a node configured with the hospital's identity provider (a real one: node-oidc-provider,
 * {@link OpenIdProvider}) signs users in through the authorization code flow with PKCE and accepts the provider's
 * bearer tokens; the provider's groups become the node's roles only where the node's settings map them; sign-ins,
 * refusals and sign-outs reach the audit trail; the node's own users keep working beside it; in headless Chromium the
 * login page's "Sign in with the hospital account" goes through the provider's pages and back to the web page.
 */
class OidcIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theHospitalsProviderSignsUsersInWithTheRolesItsGroupsAreMappedTo() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        Node node = new Node(tmp.resolve("node")).with("SRI_ENHANCE_ENABLED", "false");
        try (OpenIdProvider idp = new OpenIdProvider(tmp, node.url(""));
                Node started = node.with("SRI_OIDC_ISSUER", idp.issuer())
                        .with("SRI_OIDC_CLIENT_SECRET", OpenIdProvider.NODE_CLIENT_SECRET)
                        .with("SRI_OIDC_SCOPES", "groups")
                        .with("SRI_OIDC_AUDIENCE", "urn:sri-api") // ID tokens name the client id sri-node
                        .with("SRI_OIDC_OPERATOR_GROUPS", "radiology-it")
                        .with("SRI_OIDC_VIEWER_GROUPS", "radiologists")
                        .with("SRI_OIDC_ADMIN_GROUPS", "sri-admins")
                        .start()) {
            JsonNode options = JSON.readTree(Http.sendAs("GET", node.url("/api/login/options"), null, null)
                    .body());
            assertThat(options.path("openIdConnect").asBoolean()).isTrue();

            // olivia (group radiology-it = operator): the code flow ends on the web page, signed in
            UserAgent olivia = new UserAgent();
            HttpResponse<String> landed = olivia.signIn(node.url("/api/login/oidc"), "olivia");
            assertThat(landed.statusCode()).isEqualTo(200);
            assertThat(landed.uri().getPath()).isEqualTo("/");
            assertThat(landed.body()).contains("<title>sri-node</title>");
            assertThat(olivia.visitedProvider)
                    .as("the browser went through the provider")
                    .isTrue();
            JsonNode me = JSON.readTree(olivia.get(node.url("/api/users/me")).body());
            assertThat(me.path("username").asText())
                    .as("a provider account is never named like a local one")
                    .isEqualTo("oidc:olivia");
            assertThat(me.path("role").asText()).isEqualTo("operator");
            assertThat(olivia.get(node.url("/api/series")).statusCode()).isEqualTo(200);
            assertThat(olivia.get(node.url("/api/users")).statusCode())
                    .as("an operator is no admin")
                    .isEqualTo(403);
            String action = node.url("/api/series/1.2.826.0.1.3680043.2.1125.9.9/enhance");
            assertThat(olivia.post(action, "{\"comment\":\"test\"}").statusCode())
                    .as("an operator may act (the series is unknown)")
                    .isEqualTo(404);

            // victor (group radiologists = viewer): sees, may not act
            UserAgent victor = new UserAgent();
            assertThat(victor.signIn(node.url("/api/login/oidc"), "victor").statusCode())
                    .isEqualTo(200);
            assertThat(JSON.readTree(victor.get(node.url("/api/users/me")).body())
                            .path("role")
                            .asText())
                    .isEqualTo("viewer");
            assertThat(victor.post(action, "{\"comment\":\"test\"}").statusCode())
                    .isEqualTo(403);

            // mallory: signed in at the provider, in a group called "admin" that this node maps to nothing: no role
            UserAgent mallory = new UserAgent();
            HttpResponse<String> noRole = mallory.signIn(node.url("/api/login/oidc"), "mallory");
            assertThat(noRole.statusCode()).isEqualTo(403);
            assertThat(noRole.body()).contains("signed in as oidc:mallory, but none of your groups gives a role");
            assertThat(mallory.get(node.url("/api/series")).statusCode()).isEqualTo(403);

            // a service account's bearer token (client credentials, group radiologists = viewer)
            String token = idp.clientCredentialsToken("monitor", OpenIdProvider.MONITOR_CLIENT_SECRET, "urn:sri-api");
            assertThat(Http.statusAs(node.url("/api/series"), "Bearer " + token))
                    .isEqualTo(200);
            assertThat(Http.statusAs(node.url("/api/users"), "Bearer " + token)).isEqualTo(403);
            String[] parts = token.split("\\.");
            String forged = parts[0] + "."
                    + Base64.getUrlEncoder()
                            .withoutPadding()
                            .encodeToString(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                                    .replace("radiologists", "radiology-it")
                                    .getBytes(StandardCharsets.UTF_8))
                    + "." + parts[2];
            HttpResponse<String> refused = Http.sendAs("GET", node.url("/api/series"), null, "Bearer " + forged);
            assertThat(refused.statusCode())
                    .as("a token whose groups were changed")
                    .isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate").orElse(""))
                    .startsWith("Bearer");
            String otherApp =
                    idp.clientCredentialsToken("monitor", OpenIdProvider.MONITOR_CLIENT_SECRET, "urn:other-api");
            assertThat(Http.statusAs(node.url("/api/series"), "Bearer " + otherApp))
                    .as("a token the provider issued for another application")
                    .isEqualTo(401);
            assertThat(Http.sendAs("POST", node.url("/api/logout"), "", "Bearer " + token)
                            .statusCode())
                    .as("a bearer token holds no session: nothing to end")
                    .isEqualTo(204);

            // the provider's answers at the callback are anyone's to send: a refusal is told and audited, text
            // that could forge log lines is refused, neither reaches the OpenID layer
            HttpResponse<String> denied = Http.sendAs(
                    "GET", node.url("/api/login/oidc?state=x&error=access_denied&error_description=no"), null, null);
            assertThat(denied.statusCode()).isEqualTo(401);
            assertThat(denied.body()).contains("access_denied");
            HttpResponse<String> forging = Http.sendAs(
                    "GET",
                    node.url("/api/login/oidc?state=x&error=x%0A2026-12-01%2000:00:00,000%20INFO%20forged-line"),
                    null,
                    null);
            assertThat(forging.statusCode()).isEqualTo(400);

            // the node's own users still sign in beside the provider
            assertThat(Http.statusAs(node.url("/api/users"), Http.basic("admin", Node.ADMIN_PASSWORD)))
                    .isEqualTo(200);

            // signing out ends the node's session
            assertThat(olivia.post(node.url("/api/logout"), "").statusCode()).isEqualTo(204);
            assertThat(olivia.get(node.url("/api/series")).statusCode()).isEqualTo(401);

            // the web page in headless Chromium: the login page offers the provider; its login and consent pages lead
            // back to the web page, signed in with the mapped role; "Sign out" goes back to the login page
            ChromeDriver browser = Browser.anonymous();
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                browser.get(node.url("/"));
                wait.until(b -> b.getCurrentUrl().endsWith("/login.html"));
                WebElement button = wait.until(b -> b.findElement(By.cssSelector("a[data-action='sign-in-oidc']"))
                                .isDisplayed()
                        ? b.findElement(By.cssSelector("a[data-action='sign-in-oidc']"))
                        : null);
                button.click();
                wait.until(b -> b.getCurrentUrl().startsWith(idp.issuer() + "/interaction/"));
                browser.findElement(By.name("login")).sendKeys("olivia");
                browser.findElement(By.name("password")).sendKeys("any");
                browser.findElement(By.cssSelector("button[type='submit']")).click();
                wait.until(b -> !b.findElements(By.cssSelector("input[name='prompt'][value='consent']"))
                                .isEmpty()
                        || b.getCurrentUrl().startsWith(node.url("/")));
                if (browser.getCurrentUrl().startsWith(idp.issuer())) {
                    browser.findElement(By.cssSelector("button[type='submit']")).click();
                }
                String user = wait.until(b -> {
                    String t = b.findElement(By.id("user")).getText();
                    return t.startsWith("signed in as") ? t : null;
                });
                assertThat(user).isEqualTo("signed in as oidc:olivia (operator)");
                assertThat(browser.getCurrentUrl()).isEqualTo(node.url("/"));
                browser.findElement(By.cssSelector("button[data-action='sign-out']"))
                        .click();
                wait.until(b -> b.getCurrentUrl().endsWith("/login.html"));
                browser.get(node.url("/"));
                wait.until(b -> b.getCurrentUrl().endsWith("/login.html"));
            } finally {
                browser.quit();
            }

            String audit = awaitAudit(node.dataDir.resolve("audit/atna.log"), "110123");
            assertThat(loginsOf(audit, "oidc:olivia")).contains("0").doesNotContain("4");
            assertThat(loginsOf(audit, "oidc:victor")).contains("0");
            assertThat(loginsOf(audit, "oidc:monitor")).contains("0");
            assertThat(loginsOf(audit, "oidc:mallory"))
                    .as("a user without a role: one failure, not one per request")
                    .isEqualTo("4");
            assertThat(loginsOf(audit, "(unknown)"))
                    .as("bearer tokens refused, provider refusals")
                    .contains("4");
            assertThat(audit).contains("access_denied").doesNotContain("forged-line");
            assertThat(audit)
                    .as("a good sign-in's own redirect is no failure")
                    .doesNotContain("the authorization code was not accepted");
            assertThat(node.log()).doesNotContain("INFO forged-line");
            assertThat(audit).containsPattern("110123[^\\n]*UserID=\"oidc:olivia\"");
        }
    }

    @Test
    void withoutAProviderTheLoginPageOffersOnlyPasswords() throws Exception {
        Path tmp = WorkDir.fresh(getClass()).resolve("no-provider");
        try (Node node = new Node(tmp).with("SRI_ENHANCE_ENABLED", "false").start()) {
            JsonNode options = JSON.readTree(Http.sendAs("GET", node.url("/api/login/options"), null, null)
                    .body());
            assertThat(options.path("openIdConnect").asBoolean()).isFalse();
            assertThat(options.path("password").asBoolean()).isTrue();
            HttpResponse<String> none =
                    Http.sendAs("GET", node.url("/api/login/oidc"), null, Http.basic("admin", Node.ADMIN_PASSWORD));
            assertThat(none.statusCode()).isEqualTo(404);
            assertThat(none.body()).contains("SRI_OIDC_ISSUER");
            assertThat(Http.statusAs(node.url("/api/series"), "Bearer abc.def.ghi"))
                    .isEqualTo(401);
        }
    }

    @Test
    void anUnreachableProviderGets503AndTheNodesOwnUsersStillSignIn() throws Exception {
        Path tmp = WorkDir.fresh(getClass()).resolve("unreachable");
        try (Node node = new Node(tmp)
                .with("SRI_ENHANCE_ENABLED", "false")
                .with("SRI_OIDC_ISSUER", "http://127.0.0.1:" + Ports.free())
                .start()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = Http.sendAs("GET", node.url("/api/series"), null, "Bearer abc.def.ghi");
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
                assertThat(r.body()).contains("identity provider cannot be reached");
            }
            assertThat(Http.statusAs(node.url("/api/series"), Http.basic("admin", Node.ADMIN_PASSWORD)))
                    .isEqualTo(200);
            String log = node.log();
            assertThat(log).contains("OIDC server is not available").contains("the OpenID provider cannot be reached");
            assertThat(log).as("no stack trace per request").doesNotContain("Exception occurred during authorization");
            assertThat(log).contains("no provider group gives a role on this node");
            assertThat(log).contains("SRI_OIDC_CLIENT_SECRET is empty");
        }
    }

    /** The outcome indicators (0 success, 4 minor failure) of the Login messages naming the user. */
    private static String loginsOf(String audit, String user) {
        Pattern p = Pattern.compile(
                "EventOutcomeIndicator=\"(\\d+)\"[^\\n]*110122[^\\n]*UserID=\"" + Pattern.quote(user) + "\"");
        Matcher m = p.matcher(audit);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            out.append(m.group(1));
        }
        return out.toString();
    }

    private static String awaitAudit(Path file, String code) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String text = Files.exists(file) ? Files.readString(file) : "";
        while (!text.contains(code) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            text = Files.exists(file) ? Files.readString(file) : "";
        }
        return text;
    }

    /**
     * A browser as far as the code flow needs one: cookies, redirects followed by hand, and the provider's sign-in and
     * consent forms filled in.
     */
    private static final class UserAgent {
        private final HttpClient client = HttpClient.newBuilder()
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        boolean visitedProvider;

        HttpResponse<String> get(String url) throws IOException, InterruptedException {
            return client.send(
                    HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String url, String json) throws IOException, InterruptedException {
            return client.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(json))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        /** Opens {@code start}, signs in at the provider as {@code login}, consents, and returns where it ends. */
        HttpResponse<String> signIn(String start, String login) throws IOException, InterruptedException {
            HttpResponse<String> r = follow(get(start));
            for (int forms = 0; forms < 4 && r.statusCode() == 200 && r.body().contains("<form"); forms++) {
                visitedProvider = true;
                Map<String, String> fields = hiddenFields(r.body());
                if ("login".equals(fields.get("prompt"))) {
                    fields.put("login", login);
                    fields.put("password", "any");
                }
                Matcher action =
                        Pattern.compile("<form[^>]*action=\"([^\"]+)\"").matcher(r.body());
                assertThat(action.find()).as("a form on " + r.uri()).isTrue();
                String body = fields.entrySet().stream()
                        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                        .collect(Collectors.joining("&"));
                r = follow(client.send(
                        HttpRequest.newBuilder(r.uri().resolve(action.group(1)))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            return r;
        }

        private HttpResponse<String> follow(HttpResponse<String> r) throws IOException, InterruptedException {
            for (int hops = 0; hops < 20 && r.statusCode() / 100 == 3; hops++) {
                URI next = r.uri().resolve(r.headers().firstValue("Location").orElseThrow());
                r = get(next.toString());
            }
            return r;
        }

        private static Map<String, String> hiddenFields(String html) {
            Map<String, String> fields = new LinkedHashMap<>();
            Matcher m = Pattern.compile("<input[^>]*type=\"hidden\"[^>]*>").matcher(html);
            while (m.find()) {
                Matcher name = Pattern.compile("name=\"([^\"]*)\"").matcher(m.group());
                Matcher value = Pattern.compile("value=\"([^\"]*)\"").matcher(m.group());
                if (name.find()) {
                    fields.put(name.group(1), value.find() ? value.group(1) : "");
                }
            }
            return fields;
        }
    }
}
