package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import dev.stateless.testing.Tokens;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.token.InMemoryRevocationList;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.core.token.VerifiedToken;
import dev.stateless.jwt.JwksOptions;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.TrustedKeys;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client of {@link BearerTokenFilter} observes over real HTTP: an embedded Jetty 12 node with
 * the filter (realm {@code test}, {@code /public/*} and {@code /health} anonymous, {@code /admin/*}
 * needing {@code admin}) in front of {@link EchoServlet}, which writes back what the application sees
 * of the caller. Tokens come from a real {@link JwtIssuer} and are checked by a real
 * {@link JwtVerifier} (HS256, trusted issuer and audience, an in-memory revocation list that counts
 * its lookups). Tests that need another verifier start their own node.
 */
class BearerTokenFilterTest {

    private static final String ISSUER = "https://issuer.test";
    private static final String AUDIENCE = "api://orders";
    private static final String PROBLEM = "application/problem+json";
    private static final String CHALLENGE = "Bearer realm=\"test\"";
    private static final Pattern DESCRIPTION = Pattern.compile("error_description=\"([^\"]+)\"");
    private static final byte[] SECRET = JwtKeys.generateHmacSecret();

    private static final CountingRevocationList revocations = new CountingRevocationList(new InMemoryRevocationList());
    private static final JwtIssuer issuer = hs256().build();
    private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static Node node;

    @BeforeAll
    static void startNode() {
        node = Node.start(JwtVerifier.builder()
                .hmacSecret(SECRET)
                .issuers(ISSUER)
                .audiences(AUDIENCE)
                .revocationList(revocations)
                .build());
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    @BeforeEach
    void resetCounters() {
        revocations.lookups.set(0);
    }

    // --- a valid token ---------------------------------------------------------------------------

    /** Issue 11 item 10: with two trusted issuers, their users of one sub are two principals. */
    @Test
    void withTwoTrustedIssuersThePrincipalIsIssuerAndSubjectAndOneIssuersKeyCannotSpeakForTheOther() {
        byte[] otherSecret = JwtKeys.generateHmacSecret();
        JwtIssuer other = JwtIssuer.builder().hmacSecret(otherSecret).issuer("https://other.test").audience(AUDIENCE).build();
        JwtIssuer forger = JwtIssuer.builder().hmacSecret(otherSecret).issuer(ISSUER).audience(AUDIENCE).build();
        try (Node twoIssuers = Node.start(JwtVerifier.builder()
                .issuer(ISSUER, TrustedKeys.builder().hmacSecret(SECRET).build())
                .issuer("https://other.test", TrustedKeys.builder().hmacSecret(otherSecret).build())
                .audiences(AUDIENCE)
                .build())) {

            assertThat(echo(get(twoIssuers, "/orders", "Authorization", "Bearer " + issuer.issue("alice"))))
                    .containsEntry("principal", ISSUER + "#alice").containsEntry("remoteUser", ISSUER + "#alice");
            assertThat(echo(get(twoIssuers, "/orders", "Authorization", "Bearer " + other.issue("alice"))))
                    .containsEntry("principal", "https://other.test#alice");
            String forged = forger.issue("alice");
            assertInvalidToken(get(twoIssuers, "/orders", "Authorization", "Bearer " + forged), forged, "signature");
        }
    }

    @Test
    void validTokenMakesItsSubjectThePrincipalWithRolesFromTheRolesArrayAndTheScopeString() {
        String token = issuer.issue("alice", Map.of("roles", List.of("admin"), "scope", "customer orders:read",
                "tenant", "acme"));

        HttpResponse<String> response = get(node, "/orders", "Authorization", "Bearer " + token);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("text/plain"));
        assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(echo(response))
                .containsEntry("principal", "alice")
                .containsEntry("remoteUser", "alice")
                .containsEntry("admin", "true")
                .containsEntry("customer", "true")
                .containsEntry("authType", "BEARER")
                .containsEntry("token", "VerifiedToken sub=alice iss=" + ISSUER
                        + " roles=[admin, customer, orders:read] tenant=acme");
    }

    @Test
    void rs256TokenIsVerifiedWithKeysFetchedOnceFromAJwksEndpoint() throws IOException {
        RSAKey rsa = JwtKeys.generateRsa("rsa-1");
        JwtIssuer rsaIssuer = JwtIssuer.builder().rsaKey(rsa).issuer(ISSUER).audience(AUDIENCE).build();
        AtomicInteger fetches = new AtomicInteger();
        HttpServer jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwks.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] body = rsaIssuer.publicJwkSet().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        jwks.start();
        try (Node rsaNode = Node.start(JwtVerifier.builder()
                .jwksUri(URI.create("http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json"))
                .issuers(ISSUER)
                .audiences(AUDIENCE)
                .build())) {
            String token = rsaIssuer.issue("bob", Map.of("roles", List.of("customer")));
            assertThat(rsaIssuer.algorithm()).isEqualTo("RS256");

            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = get(rsaNode, "/orders", "Authorization", "Bearer " + token);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(echo(response))
                        .containsEntry("principal", "bob")
                        .containsEntry("customer", "true")
                        .containsEntry("admin", "false")
                        .containsEntry("authType", "BEARER");
            }

            assertThat(fetches).as("JWKS requests for 3 verifications").hasValue(1);
            System.out.printf("BearerTokenFilterTest: RS256 via JWKS, 3 authenticated requests -> %d key fetch(es);"
                    + " with cached keys a verification makes 0 network calls%n", fetches.get());
        } finally {
            jwks.stop(0);
        }
    }

    @Test
    void bearerSchemeIsMatchedCaseInsensitively() {
        String token = issuer.issue("alice");

        HttpResponse<String> lower = get(node, "/orders", "Authorization", "bearer " + token);
        HttpResponse<String> upper = get(node, "/orders", "Authorization", "BEARER " + token);

        assertThat(lower.statusCode()).isEqualTo(200);
        assertThat(echo(lower)).containsEntry("principal", "alice");
        assertThat(upper.statusCode()).isEqualTo(200);
        assertThat(echo(upper)).containsEntry("principal", "alice");
    }

    @Test
    void formPostWithValidTokenLeavesTheBodyForTheApplication() throws Exception {
        String token = issuer.issue("alice", Map.of("roles", List.of("customer")));

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(node.uri("/orders"))
                        .timeout(Duration.ofSeconds(5))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("item=book&qty=2"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(echo(response))
                .containsEntry("principal", "alice")
                .containsEntry("form", "item=book qty=2");
    }

    // --- no token ---------------------------------------------------------------------------------

    @Test
    void requestWithoutTokenOnProtectedPathIsChallengedWithoutErrorCode() {
        HttpResponse<String> response = get(node, "/orders");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(CHALLENGE);
        assertProblem(response, 401);
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void requestWithoutTokenOnAnonymousPathPassesAnonymously() {
        HttpResponse<String> publicPath = get(node, "/public/catalog");
        HttpResponse<String> health = get(node, "/health");

        for (HttpResponse<String> response : List.of(publicPath, health)) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
            assertThat(echo(response))
                    .containsEntry("principal", "null")
                    .containsEntry("remoteUser", "null")
                    .containsEntry("admin", "false")
                    .containsEntry("authType", "null")
                    .containsEntry("token", "none");
        }
    }

    @Test
    void badTokenOnAnonymousPathIsStillRefused() {
        String token = otherSecretIssuer().issue("alice");

        HttpResponse<String> response = get(node, "/public/catalog", "Authorization", "Bearer " + token);

        assertInvalidToken(response, token, "signature");
    }

    @Test
    void basicCredentialsOnProtectedPathGetTheBearerChallenge() {
        String basic = Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = get(node, "/orders", "Authorization", "Basic " + basic);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(CHALLENGE);
        assertProblem(response, 401);
        assertNotEchoed(response, basic);
    }

    // --- bad tokens ---------------------------------------------------------------------------------

    @Test
    void expiredTokenIsRefusedAsInvalidToken() {
        Clock anHourAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
        String token = hs256().clock(anHourAgo).lifetime(Duration.ofMinutes(5)).build().issue("alice");

        assertInvalidToken(get(node, "/orders", "Authorization", "Bearer " + token), token, "expired");
    }

    @Test
    void tokenNotYetValidIsRefusedAsInvalidToken() {
        long inAnHour = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
        String token = issuer.issue("alice", Map.of("nbf", inAnHour));

        assertInvalidToken(get(node, "/orders", "Authorization", "Bearer " + token), token, "not valid yet");
    }

    @Test
    void tokenFromUntrustedIssuerIsRefusedAsInvalidToken() {
        String token = JwtIssuer.builder().hmacSecret(SECRET).issuer("https://evil.test").audience(AUDIENCE).build()
                .issue("alice");

        assertInvalidToken(get(node, "/orders", "Authorization", "Bearer " + token), token, "untrusted issuer");
    }

    @Test
    void tokenForAnotherAudienceIsRefusedAsInvalidToken() {
        String token = JwtIssuer.builder().hmacSecret(SECRET).issuer(ISSUER).audience("api://billing").build()
                .issue("alice");

        assertInvalidToken(get(node, "/orders", "Authorization", "Bearer " + token), token, "not meant for this service");
    }

    @Test
    void tokenSignedWithAnotherSecretIsRefusedAsInvalidToken() {
        String token = otherSecretIssuer().issue("alice");

        assertInvalidToken(get(node, "/orders", "Authorization", "Bearer " + token), token, "signature");
    }

    @Test
    void tokenWithTamperedPayloadIsRefusedAsInvalidToken() {
        String[] parts = issuer.issue("alice", Map.of("roles", List.of("customer"))).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"customer\"", "\"admin\"");
        assertThat(payload).contains("\"admin\"");
        String token = parts[0] + "." + base64Url(payload) + "." + parts[2];

        assertInvalidToken(get(node, "/admin/users", "Authorization", "Bearer " + token), token, "signature");
    }

    @Test
    void unsecuredTokenWithAlgNoneIsRefusedAsInvalidToken() {
        String[] parts = issuer.issue("alice", Map.of("roles", List.of("admin"))).split("\\.");
        String token = base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";

        assertInvalidToken(get(node, "/orders", "Authorization", "Bearer " + token), token, "algorithm");
    }

    @Test
    void garbageTokenIsRefusedAsInvalidToken() {
        String token = "garbageTokenValue4711";

        assertInvalidToken(get(node, "/orders", "Authorization", "Bearer " + token), token, "malformed");
    }

    @Test
    void revokedTokenIsRefusedAsInvalidToken() {
        String token = issuer.issue("alice");
        assertThat(get(node, "/orders", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);

        revocations.revoke(Tokens.token(ISSUER, jti(token), Instant.now().plus(Duration.ofHours(1))), Duration.ZERO);
        HttpResponse<String> response = get(node, "/orders", "Authorization", "Bearer " + token);

        assertInvalidToken(response, token, "revoked");
    }

    // --- malformed requests ---------------------------------------------------------------------------

    @Test
    void tokenInHeaderAndQueryIsAnInvalidRequest() {
        String token = issuer.issue("alice");

        HttpResponse<String> response = get(node, "/orders?access_token=" + token, "Authorization", "Bearer " + token);

        assertInvalidRequest(response, token);
    }

    @Test
    void twoAuthorizationHeadersAreAnInvalidRequest() throws IOException {
        String token = issuer.issue("alice");

        RawResponse response = rawGet(node, "/orders",
                "Authorization: Bearer " + token, "Authorization: Bearer " + token);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.header("www-authenticate")).containsExactly(
                CHALLENGE + ", error=\"invalid_request\", error_description=\"The access token must be sent once, in one way.\"");
        assertThat(response.header("content-type")).singleElement().asString().startsWith(PROBLEM);
        assertThat(response.body()).contains("\"status\":400");
        assertThat(response.raw()).doesNotContain(token);
    }

    @Test
    void bearerWithoutTokenIsAnInvalidRequest() {
        HttpResponse<String> response = get(node, "/orders", "Authorization", "Bearer");

        assertInvalidRequest(response, null);
    }

    @Test
    void tokenOnlyInQueryIsAnInvalidRequest() {
        String token = issuer.issue("alice");

        HttpResponse<String> response = get(node, "/orders?access_token=" + token);

        assertInvalidRequest(response, token);
    }

    // --- roles -----------------------------------------------------------------------------------------

    @Test
    void tokenWithoutTheRequiredRoleIsForbiddenWithInsufficientScope() {
        String token = issuer.issue("alice", Map.of("roles", List.of("customer"), "scope", "orders:read"));

        HttpResponse<String> response = get(node, "/admin/x", "Authorization", "Bearer " + token);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().allValues("WWW-Authenticate")).singleElement().asString()
                .startsWith(CHALLENGE + ", error=\"insufficient_scope\"")
                .contains("error_description=\"");
        assertProblem(response, 403);
        assertNotEchoed(response, token);
    }

    @Test
    void tokenWithTheRequiredRoleReachesTheAdminPath() {
        String token = issuer.issue("root", Map.of("scope", "admin"));

        HttpResponse<String> response = get(node, "/admin/x", "Authorization", "Bearer " + token);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(echo(response)).containsEntry("principal", "root").containsEntry("admin", "true");
    }

    // --- the server cannot check tokens -----------------------------------------------------------------

    @Test
    void unreachableKeyEndpointWithNothingCachedAnswers503() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        RSAKey rsa = JwtKeys.generateRsa("rsa-down");
        String token = JwtIssuer.builder().rsaKey(rsa).issuer(ISSUER).audience(AUDIENCE).build().issue("alice");
        try (Node keyless = Node.start(JwtVerifier.builder()
                .jwks(JwksOptions.builder(URI.create("http://127.0.0.1:" + closedPort + "/jwks.json"))
                        .timeout(Duration.ofMillis(500)).build())
                .issuers(ISSUER)
                .audiences(AUDIENCE)
                .build())) {

            HttpResponse<String> response = get(keyless, "/orders", "Authorization", "Bearer " + token);

            assertThat(response.statusCode()).isEqualTo(503);
            assertProblem(response, 503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
            assertNotEchoed(response, token);
        }
    }

    @Test
    void unreachableRevocationListAnswers503() {
        try (Node refusing = Node.start(JwtVerifier.builder()
                .hmacSecret(SECRET)
                .issuers(ISSUER)
                .audiences(AUDIENCE)
                .revocationList(new UnreachableRevocationList())
                .build())) {
            String token = issuer.issue("alice");

            HttpResponse<String> response = get(refusing, "/orders", "Authorization", "Bearer " + token);

            assertThat(response.statusCode()).isEqualTo(503);
            assertProblem(response, 503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
            assertNotEchoed(response, token);
        }
    }

    // --- I/O per request ------------------------------------------------------------------------------------

    @Test
    void eachAuthenticatedRequestLooksUpTheRevocationListExactlyOnce() {
        String token = issuer.issue("alice");

        int requests = 5;
        for (int i = 0; i < requests; i++) {
            assertThat(get(node, "/orders", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
        }
        int authenticated = revocations.lookups.get();
        assertThat(get(node, "/public/catalog").statusCode()).isEqualTo(200);
        assertThat(get(node, "/orders").statusCode()).isEqualTo(401);
        assertThat(get(node, "/orders", "Authorization", "Bearer " + otherSecretIssuer().issue("alice")).statusCode())
                .isEqualTo(401);

        assertThat(authenticated).as("revocation lookups for %d authenticated requests", requests).isEqualTo(requests);
        assertThat(revocations.lookups).as("lookups after anonymous, tokenless and badly signed requests")
                .hasValue(requests);
        System.out.printf("BearerTokenFilterTest: I/O of one verification with cached (static) keys: "
                + "%d revocation lookup(s), 0 key fetches; requests without a token or with a bad signature: "
                + "0 lookups%n", authenticated / requests);
    }

    // --- probes: the path the rules are matched against ----------------------------------------------------

    @Test
    void pathParameterDoesNotLetAProtectedAdminPathSkipItsRoleRule() throws IOException {
        String token = issuer.issue("alice", Map.of("roles", List.of("customer")));

        RawResponse response = rawGet(node, "/admin;x=1/x", "Authorization: Bearer " + token);

        assertThat(response.status()).as("%s", response.raw()).isIn(400, 403, 404);
    }

    @Test
    void percentEncodedPathDoesNotLetAProtectedAdminPathSkipItsRoleRule() throws IOException {
        String token = issuer.issue("alice", Map.of("roles", List.of("customer")));

        RawResponse response = rawGet(node, "/%61dmin/x", "Authorization: Bearer " + token);

        assertThat(response.status()).as("%s", response.raw()).isIn(400, 403, 404);
    }

    @Test
    void dotSegmentsDoNotMakeAProtectedPathAnonymous() throws IOException {
        RawResponse response = rawGet(node, "/public/../orders");

        assertThat(response.status()).as("%s", response.raw()).isIn(400, 401, 404);
    }

    // --- assertions -----------------------------------------------------------------------------------------

    private static void assertInvalidToken(HttpResponse<String> response, String token, String describedAs) {
        assertThat(response.statusCode()).as("%s", response.body()).isEqualTo(401);
        List<String> challenges = response.headers().allValues("WWW-Authenticate");
        assertThat(challenges).singleElement().asString().startsWith(CHALLENGE + ", error=\"invalid_token\"");
        Matcher description = DESCRIPTION.matcher(challenges.get(0));
        assertThat(description.find()).as("error_description in %s", challenges.get(0)).isTrue();
        assertThat(description.group(1).toLowerCase(Locale.ROOT)).contains(describedAs);
        assertProblem(response, 401);
        assertThat(response.body()).contains("\"detail\":\"" + description.group(1) + "\"");
        assertNotEchoed(response, token);
    }

    private static void assertInvalidRequest(HttpResponse<String> response, String token) {
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().allValues("WWW-Authenticate")).singleElement().asString()
                .startsWith(CHALLENGE + ", error=\"invalid_request\"")
                .contains("error_description=\"");
        assertProblem(response, 400);
        if (token != null) {
            assertNotEchoed(response, token);
        }
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith(PROBLEM));
        assertThat(response.body())
                .startsWith("{")
                .contains("\"status\":" + status)
                .contains("\"title\":")
                .contains("\"detail\":");
    }

    /** Neither the token nor any sizeable piece of it appears in the headers or the body. */
    private static void assertNotEchoed(HttpResponse<String> response, String secret) {
        StringBuilder everything = new StringBuilder();
        response.headers().map().forEach((name, values) -> everything.append(name).append(": ").append(values).append('\n'));
        everything.append(response.body());
        assertThat(everything.toString()).doesNotContain(secret);
        for (String part : secret.split("\\.")) {
            if (part.length() >= 8) {
                assertThat(everything.toString()).doesNotContain(part);
            }
        }
    }

    // --- plumbing --------------------------------------------------------------------------------------------

    private static JwtIssuer.Builder hs256() {
        return JwtIssuer.builder().hmacSecret(SECRET).issuer(ISSUER).audience(AUDIENCE);
    }

    private static JwtIssuer otherSecretIssuer() {
        return JwtIssuer.builder().hmacSecret(JwtKeys.generateHmacSecret()).issuer(ISSUER).audience(AUDIENCE).build();
    }

    private static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String jti(String token) {
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"jti\":\"([^\"]+)\"").matcher(payload);
        assertThat(m.find()).as("jti in %s", payload).isTrue();
        return m.group(1);
    }

    private static HttpResponse<String> get(Node target, String pathAndQuery, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.uri(pathAndQuery)).timeout(Duration.ofSeconds(5)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The echo servlet's {@code name=value} lines. */
    private static Map<String, String> echo(HttpResponse<String> response) {
        Map<String, String> lines = new LinkedHashMap<>();
        for (String line : response.body().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                lines.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return lines;
    }

    private record RawResponse(int status, Map<String, List<String>> headers, String body, String raw) {
        List<String> header(String lowerCaseName) {
            return headers.getOrDefault(lowerCaseName, List.of());
        }
    }

    /** An HTTP/1.1 GET written by hand: for what java.net.http refuses to send (repeated headers, odd paths). */
    private static RawResponse rawGet(Node target, String path, String... headerLines) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), target.port())) {
            socket.setSoTimeout(5000);
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + target.port()
                    + "\r\nConnection: close\r\n");
            for (String line : headerLines) {
                request.append(line).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            String raw = bytes.toString(StandardCharsets.ISO_8859_1);
            int end = raw.indexOf("\r\n\r\n");
            String head = end < 0 ? raw : raw.substring(0, end);
            String body = end < 0 ? "" : raw.substring(end + 4);
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).strip());
            }
            return new RawResponse(status, headers, body, raw);
        }
    }

    /** One Jetty 12 server on 127.0.0.1 with the filter under test in front of {@link EchoServlet}. */
    private record Node(EmbeddedJetty jetty, int port) implements AutoCloseable {

        static Node start(TokenVerifier verifier) {
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.addFilter(new FilterHolder(BearerTokenFilter.builder(verifier)
                    .realm("test")
                    .anonymous("/public/*", "/health")
                    .requireRole("/admin/*", "admin")
                    .build()), "/*", EnumSet.of(DispatcherType.REQUEST));
            context.addServlet(new ServletHolder(new EchoServlet()), "/*");
            try {
                EmbeddedJetty jetty = EmbeddedJetty.start(context);
                return new Node(jetty, jetty.port());
            } catch (Exception e) {
                throw new IllegalStateException("Jetty did not start", e);
            }
        }

        URI uri(String pathAndQuery) {
            return URI.create("http://127.0.0.1:" + port + pathAndQuery);
        }

        @Override
        public void close() {
            jetty.close();
        }
    }

    /** Writes back, one {@code name=value} a line, what the application sees of the caller. */
    static final class EchoServlet extends HttpServlet {

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String form = request.getMethod().equals("POST")
                    ? "item=" + request.getParameter("item") + " qty=" + request.getParameter("qty")
                    : "-";
            Principal principal = request.getUserPrincipal();
            response.setContentType("text/plain");
            response.setCharacterEncoding("UTF-8");
            PrintWriter out = response.getWriter();
            out.print("principal=" + (principal == null ? null : principal.getName()) + "\n");
            out.print("remoteUser=" + request.getRemoteUser() + "\n");
            out.print("admin=" + request.isUserInRole("admin") + "\n");
            out.print("customer=" + request.isUserInRole("customer") + "\n");
            out.print("authType=" + request.getAuthType() + "\n");
            out.print("token=" + describe(request.getAttribute(BearerTokenFilter.TOKEN_ATTRIBUTE)) + "\n");
            out.print("form=" + form + "\n");
            out.print("servletPath=" + request.getServletPath() + request.getPathInfo() + "\n");
        }

        private static String describe(Object attribute) {
            if (!(attribute instanceof VerifiedToken token)) {
                return attribute == null ? "none" : "unexpected " + attribute.getClass().getName();
            }
            return "VerifiedToken sub=" + token.subject() + " iss=" + token.issuer().orElse("-")
                    + " roles=" + new TreeSet<>(token.roles()) + " tenant=" + token.stringClaim("tenant").orElse("-");
        }
    }

    /** Counts {@link #isRevoked} lookups: the only I/O of a verification with cached keys. */
    private static final class CountingRevocationList implements RevocationList {
        private final RevocationList delegate;
        final AtomicInteger lookups = new AtomicInteger();

        CountingRevocationList(RevocationList delegate) {
            this.delegate = delegate;
        }

        @Override
        public void revoke(VerifiedToken token, Duration clockSkew) {
            delegate.revoke(token, clockSkew);
        }

        @Override
        public boolean isRevoked(VerifiedToken token) {
            lookups.incrementAndGet();
            return delegate.isRevoked(token);
        }
    }

    /** A revocation list whose backend is down. */
    private static final class UnreachableRevocationList implements RevocationList {
        @Override
        public void revoke(VerifiedToken token, Duration clockSkew) {
            throw new StoreUnavailableException("revocation store down", new IOException("connection refused"));
        }

        @Override
        public boolean isRevoked(VerifiedToken token) {
            throw new StoreUnavailableException("revocation store down", new IOException("connection refused"));
        }
    }
}
