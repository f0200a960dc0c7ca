package dev.stateless.servlet;

import static dev.stateless.servlet.HostileHttp.commandStats;
import static dev.stateless.servlet.HostileHttp.commandsBetween;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisRevocationList;
import dev.stateless.servlet.HostileHttp.Node;
import dev.stateless.servlet.HostileHttp.Request;
import dev.stateless.servlet.HostileHttp.Response;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.Tokens;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of hostile {@code Authorization} values thrown at {@link BearerTokenFilter} on a real Jetty
 * (request headers up to 128 KB, so that even a 64 KB token reaches the filter), with a real
 * {@link JwtVerifier} whose revocation list is a {@link RedisRevocationList} on a real Redis. Each
 * gets a 400 or 401 {@code application/problem+json} answer with a {@code Bearer} challenge, never a
 * 5xx and never the application; Redis is only ever asked {@code EXISTS}, and only for a token that
 * passed every other check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@WithRedis
class HostileTokenInputTest {

    private static final String ISSUER = "https://issuer.test";
    private static final String AUDIENCE = "api://orders";
    private static final byte[] SECRET = JwtKeys.generateHmacSecret();
    private static final byte[] OTHER_SECRET = JwtKeys.generateHmacSecret();

    private RedisServer redis;
    private RedisRevocationList revocations;
    private JwtIssuer issuer;
    private Node node;

    @BeforeAll
    void start(RedisServer started) {
        redis = started;
        revocations = RedisRevocationList.builder(redis.uri()).commandTimeout(Duration.ofSeconds(2)).build();
        revocations.isRevoked(Tokens.withId("warm-up", null)); // connect now, so no handshake shows up in a census
        issuer = JwtIssuer.builder().hmacSecret(SECRET).issuer(ISSUER).audience(AUDIENCE).build();
        JwtVerifier verifier = JwtVerifier.builder()
                .hmacSecret(SECRET)
                .issuers(ISSUER)
                .audiences(AUDIENCE)
                .revocationList(revocations)
                .build();
        node = Node.start(128 * 1024, new Echo(), BearerTokenFilter.builder(verifier).realm("test").build());
    }

    @AfterAll
    void stop() {
        HostileHttp.closeAll(node, revocations);
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
    }

    // ---- the corpus

    static Stream<Arguments> hostileAuthorizations() {
        long now = Instant.now().getEpochSecond();
        String claims = "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"mallory\",\"jti\":\""
                + UUID.randomUUID() + "\",\"iat\":" + now + ",\"exp\":" + (now + 600) + "}";
        String hs256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
        List<Arguments> cases = new ArrayList<>();
        add(cases, "Bearer and nothing", "Bearer", 400);
        add(cases, "Bearer and spaces", "Bearer     ", 400);
        add(cases, "Bearer and a tab", "Bearer\t", 400);
        add(cases, "token over 64 KB", "Bearer " + "A".repeat(64 * 1024 + 1), 400);
        add(cases, "token of exactly 64 KB", "Bearer " + "A".repeat(21 * 1024) + "." + "A".repeat(21 * 1024) + "."
                + "A".repeat(64 * 1024 - 42 * 1024 - 2), 401);
        add(cases, "two words", "Bearer abc def", 400);
        add(cases, "angle brackets", "Bearer abc<script>", 400);
        add(cases, "percent signs", "Bearer %%%.%%%.%%%", 400);
        add(cases, "padding first", "Bearer =abc", 400);
        add(cases, "comma-separated tokens", "Bearer a.b.c,d.e.f", 400);
        add(cases, "non-ASCII byte", "Bearer \u00e9\u00e9\u00e9.\u00e9.\u00e9", 400);
        add(cases, "alg none", "Bearer " + b64("{\"alg\":\"none\"}") + "." + b64(claims) + ".", 401);
        add(cases, "alg None", "Bearer " + b64("{\"alg\":\"None\",\"typ\":\"JWT\"}") + "." + b64(claims) + ".", 401);
        add(cases, "alg none with a signature", "Bearer " + b64("{\"alg\":\"none\"}") + "." + b64(claims) + "."
                + b64("sig"), 401);
        add(cases, "garbage base64", "Bearer a.b.c", 401);
        add(cases, "dots only", "Bearer .....", 401);
        add(cases, "empty JSON objects", "Bearer e30.e30.e30", 401);
        add(cases, "standard base64 characters, padding only at the end", "Bearer ab+/cd.ef+/gh.ij+/==", 401);
        add(cases, "one segment", "Bearer " + b64(hs256), 401);
        add(cases, "standard base64 with padding in every part", "Bearer " + Base64.getEncoder().encodeToString(
                hs256.getBytes(StandardCharsets.UTF_8)) + "." + Base64.getEncoder().encodeToString(
                claims.getBytes(StandardCharsets.UTF_8)) + ".abc+/==", 400); // '=' mid-token: not token68
        add(cases, "JWE-looking 5 parts", "Bearer " + b64("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}") + "."
                + b64("key") + "." + b64("iv") + "." + b64("ciphertext") + "." + b64("tag"), 401);
        add(cases, "JWE dir with HS256-looking claims", "Bearer " + b64("{\"alg\":\"dir\",\"enc\":\"A128GCM\"}")
                + "..aXY." + b64(claims) + ".dGFn", 401);
        add(cases, "HS256 signed with another secret", "Bearer " + sign(hs256, claims, OTHER_SECRET), 401);
        add(cases, "HS256 with the signature stripped", "Bearer " + b64(hs256) + "." + b64(claims) + ".", 401);
        add(cases, "duplicate alg header", "Bearer " + sign("{\"alg\":\"HS256\",\"alg\":\"none\"}", claims, SECRET),
                401);
        add(cases, "deeply nested header", "Bearer " + b64("{\"alg\":\"HS256\",\"x\":" + "[".repeat(3000)
                + "]".repeat(3000) + "}") + "." + b64(claims) + ".c2ln", 401);
        add(cases, "header that is not JSON", "Bearer " + b64("\u0000\u0001\u0002") + "." + b64(claims) + ".c2ln", 401);
        add(cases, "header that is a JSON array", "Bearer " + b64("[\"HS256\"]") + "." + b64(claims) + ".c2ln", 401);
        add(cases, "jku pointing elsewhere", "Bearer " + sign("{\"alg\":\"HS256\",\"jku\":\"http://127.0.0.1:1/k\"}",
                claims, OTHER_SECRET), 401);
        add(cases, "Basic credentials", "Basic dXNlcjpwYXNz", 401);
        add(cases, "scheme only, other than Bearer", "Token", 401);
        add(cases, "Bearer run together with the token", "Bearerabc.def.ghi", 401);
        return cases.stream();
    }

    private static void add(List<Arguments> cases, String name, String authorization, int status) {
        cases.add(Arguments.of(Named.of(name, authorization), status));
    }

    // ---- the scenarios

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("hostileAuthorizations")
    void aHostileAuthorizationGetsAProblemAndAChallengeAndRedisIsNotAsked(String authorization, int status) {
        Map<String, Long> before = commandStats(redis);

        Response response = Request.get("/orders").header("Authorization", authorization).send(node);

        assertChallenged(response, status);
        assertThat(commandsBetween(before, commandStats(redis))).as("Redis commands").isEmpty();
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void twoAuthorizationHeadersAre400() {
        String token = issuer.issue("alice");
        Map<String, Long> before = commandStats(redis);

        Response response = Request.get("/orders").header("Authorization", "Bearer " + token)
                .header("Authorization", "Bearer " + token).send(node);

        assertChallenged(response, 400);
        assertThat(commandsBetween(before, commandStats(redis))).isEmpty();
    }

    @Test
    void aTokenInTheQueryAndInTheHeaderIs400() {
        String token = issuer.issue("alice");
        Map<String, Long> before = commandStats(redis);

        Response response = Request.get("/orders?access_token=" + token).header("Authorization", "Bearer " + token)
                .send(node);

        assertChallenged(response, 400);
        assertThat(commandsBetween(before, commandStats(redis))).isEmpty();
    }

    @Test
    void anExpiredButCorrectlySignedTokenIs401WithoutAskingRedis() {
        long past = Instant.now().minus(Duration.ofHours(2)).getEpochSecond();
        String claims = "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"alice\",\"jti\":\"j-1\","
                + "\"iat\":" + past + ",\"exp\":" + (past + 60) + "}";
        Map<String, Long> before = commandStats(redis);

        Response response = Request.get("/orders")
                .header("Authorization", "Bearer " + sign("{\"alg\":\"HS256\"}", claims, SECRET)).send(node);

        assertChallenged(response, 401);
        assertThat(commandsBetween(before, commandStats(redis))).isEmpty();
    }

    @Test
    void aValidTokenCostsOneExistsAndNothingElse() {
        String token = issuer.issue("alice");
        Map<String, Long> before = commandStats(redis);

        Response response = Request.get("/orders").header("Authorization", "Bearer " + token).send(node);

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.text()).isEqualTo("hello alice");
        assertThat(commandsBetween(before, commandStats(redis))).containsExactly(Map.entry("exists", 1L));
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void aRevokedTokenIs401AfterOneExistsAndWritesNothing() {
        String token = issuer.issue("alice");
        String jti = jti(token);
        revocations.revoke(Tokens.token(ISSUER, jti, Instant.now().plus(Duration.ofMinutes(5))), Duration.ZERO);
        Map<String, Long> before = commandStats(redis);

        Response response = Request.get("/orders").header("Authorization", "Bearer " + token).send(node);

        assertChallenged(response, 401);
        assertThat(response.header("WWW-Authenticate").orElseThrow()).contains("revoked");
        assertThat(commandsBetween(before, commandStats(redis))).containsExactly(Map.entry("exists", 1L));
        assertThat(redis.commandLong("DBSIZE")).isEqualTo(1);
    }

    // ---- helpers

    private static void assertChallenged(Response response, int status) {
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        assertThat(response.isProblem()).as("problem+json: %s", response).isTrue();
        assertThat(response.text()).contains("\"status\":" + status).doesNotContain("Exception");
        assertThat(response.header("WWW-Authenticate")).as("challenge").hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("Bearer realm=\"test\""));
        assertThat(response.text()).as("the application never ran").doesNotContain("hello");
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String sign(String header, String claims, byte[] secret) {
        String input = b64(header) + "." + b64(claims);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return input + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String jti(String token) {
        String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        int at = claims.indexOf("\"jti\":\"") + 7;
        return claims.substring(at, claims.indexOf('"', at));
    }

    /** The application: greets the authenticated caller. */
    static final class Echo extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain;charset=UTF-8");
            resp.getWriter().print("hello " + req.getRemoteUser());
        }
    }
}
