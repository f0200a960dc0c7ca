package dev.stateless.jwt;

import static dev.stateless.jwt.TestTokens.NOW;
import static dev.stateless.jwt.TestTokens.header;
import static dev.stateless.jwt.TestTokens.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerificationException.Reason;
import dev.stateless.core.token.VerifiedToken;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/** A verifier that takes its keys from a JWKS endpoint, here a real HTTP server on 127.0.0.1. */
class JwksTest {

    static final RSAKey K1 = JwtKeys.generateRsa("k1");
    static final RSAKey K2 = JwtKeys.generateRsa("k2");
    static final ECKey E1 = JwtKeys.generateEc("e1");
    static final OctetKeyPair D1 = JwtKeys.generateEd25519("d1");
    static final RSAKey ATTACKER = JwtKeys.generateRsa("k1");

    final MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
    final JwksServer server = new JwksServer();
    final ExecutorService pool = Executors.newFixedThreadPool(16);

    @AfterEach
    void tearDown() {
        server.close();
        pool.shutdownNow();
    }

    JwtVerifier.Builder verifier() {
        return JwtVerifier.builder().jwksUri(server.uri()).clock(clock);
    }

    JwtVerifier.Builder verifier(java.util.function.UnaryOperator<JwksOptions.Builder> options) {
        return JwtVerifier.builder().jwks(options.apply(JwksOptions.builder(server.uri())).build()).clock(clock);
    }

    static String jwks(JWK... keys) {
        return new JWKSet(Arrays.stream(keys).map(JWK::toPublicJWK).toList()).toString();
    }

    /** Tokens here live for two days: the tests move the clock by hours to age the key cache. */
    static Map<String, Object> claims() {
        return TestTokens.validClaimsWith("exp", TestTokens.epoch(NOW.plus(Duration.ofDays(2))));
    }

    static String token(JWK key) {
        String alg = key instanceof RSAKey ? "RS256" : key instanceof ECKey ? "ES256" : "EdDSA";
        return sign(key, header(alg, key.getKeyID()), claims());
    }

    static String tokenWithKid(JWK key, String kid) {
        return sign(key, header("RS256", kid), claims());
    }

    static void assertRefused(JwtVerifier verifier, String token, Reason reason) {
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenVerificationException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    @Test
    void keysAreFetchedOnceThenVerificationsUseTheCache() {
        server.serve(jwks(K1, E1, D1));
        JwtVerifier verifier = verifier().build();

        for (int i = 0; i < 50; i++) {
            assertThat(verifier.verify(token(K1)).subject()).isEqualTo("alice");
            assertThat(verifier.verify(token(E1)).subject()).isEqualTo("alice");
            assertThat(verifier.verify(token(D1)).subject()).isEqualTo("alice");
        }

        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void nothingIsFetchedBeforeTheFirstVerification() {
        server.serve(jwks(K1));

        verifier().build();

        assertThat(server.requests()).isZero();
    }

    @Test
    void aNewKeyIdIsPickedUpOnceTheEndpointServesItAndTheMinimumIntervalHasPassed() {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier().build();
        verifier.verify(token(K1));
        server.serve(jwks(K1, K2));

        assertRefused(verifier, token(K2), Reason.BAD_SIGNATURE); // the last fetch was just now
        clock.add(Duration.ofSeconds(30));

        assertThat(verifier.verify(token(K2)).subject()).isEqualTo("alice");
        assertThat(verifier.verify(token(K1)).subject()).isEqualTo("alice");
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void theMinimumRefreshIntervalIsConfigurable() {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier(o -> o.minRefreshInterval(Duration.ZERO)).build();
        verifier.verify(token(K1));
        server.serve(jwks(K1, K2));

        assertThat(verifier.verify(token(K2)).subject()).isEqualTo("alice");
    }

    @Test
    void oldKeysAreRefreshedInTheBackgroundAndKeysTheEndpointDroppedAreDropped() throws Exception {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier().build();
        verifier.verify(token(K1));
        server.serve(jwks(K2)).hold();
        clock.add(Duration.ofMinutes(5));

        // the refresh is under way and held by the server; the caller is answered from the cache
        assertThat(verifier.verify(token(K1)).subject()).isEqualTo("alice");
        server.awaitRequests(2);
        assertThat(server.requests()).isEqualTo(2);
        server.release();

        assertThat(eventually(() -> refusal(verifier, token(K1)))).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(verifier.verify(token(K2)).subject()).isEqualTo("alice");
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void whenTheEndpointIsDownKnownKeysStillVerify() {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier().build();
        verifier.verify(token(K1));
        server.stop();

        for (int hour = 1; hour <= 24; hour++) {
            clock.add(Duration.ofHours(1));
            assertThat(verifier.verify(token(K1)).subject()).isEqualTo("alice");
        }
        assertRefused(verifier, token(K2), Reason.BAD_SIGNATURE);
    }

    @Test
    void aFailedRefreshKeepsTheCachedKeys() {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier().build();
        verifier.verify(token(K1));
        clock.add(Duration.ofSeconds(30));
        server.serve("<html>maintenance</html>");

        assertRefused(verifier, token(K2), Reason.BAD_SIGNATURE); // triggers the failing refresh

        assertThat(server.requests()).isEqualTo(2);
        assertThat(verifier.verify(token(K1)).subject()).isEqualTo("alice");
    }

    @Test
    void cachedKeysAreDroppedAfterTheOutageTolerance() {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier(o -> o.outageTolerance(Duration.ofHours(1))).build();
        verifier.verify(token(K1));
        server.stop();

        clock.add(Duration.ofMinutes(60));
        assertThat(verifier.verify(token(K1)).subject()).isEqualTo("alice");
        clock.add(Duration.ofMinutes(1));

        assertRefused(verifier, token(K1), Reason.KEY_UNAVAILABLE);
    }

    @Test
    void withTheEndpointDownAndNothingCachedNoKeyIsAvailable() {
        server.stop();
        JwtVerifier verifier = verifier().build();

        assertRefused(verifier, token(K1), Reason.KEY_UNAVAILABLE);
    }

    @Test
    void anEndpointAnsweringAnErrorOrARedirectGivesNoKey() {
        for (int status : List.of(500, 503, 404, 302)) {
            server.serve(jwks(K1)).answer(status);
            JwtVerifier verifier = verifier().build();

            assertRefused(verifier, token(K1), Reason.KEY_UNAVAILABLE);
        }
    }

    @Test
    void afterAFailedFirstFetchTheNextVerificationsRetryAtMostOncePerSecond() {
        server.serve(jwks(K1)).answer(503);
        JwtVerifier verifier = verifier().build();
        assertRefused(verifier, token(K1), Reason.KEY_UNAVAILABLE);
        server.serve(jwks(K1));

        assertRefused(verifier, token(K1), Reason.KEY_UNAVAILABLE);
        assertThat(server.requests()).isEqualTo(1);
        clock.add(Duration.ofSeconds(1));

        assertThat(verifier.verify(token(K1)).subject()).isEqualTo("alice");
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void aFloodOfUnknownKeyIdsCostsAtMostOneFetchPerIntervalAndIsAnswered401Style() {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier().build();
        verifier.verify(token(K1));
        List<String> flood = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            flood.add(tokenWithKid(ATTACKER, "made-up-" + i));
        }

        for (String token : flood) {
            assertRefused(verifier, token, Reason.BAD_SIGNATURE);
        }
        assertThat(server.requests()).isEqualTo(1);

        clock.add(Duration.ofSeconds(30));
        for (String token : flood) {
            assertRefused(verifier, token, Reason.BAD_SIGNATURE);
        }
        assertThat(server.requests()).isEqualTo(2);
        assertThat(verifier.verify(token(K1)).subject()).isEqualTo("alice");
    }

    @Test
    void aFloodOfUnknownKeyIdsWhileTheEndpointIsDownIsStill401Style() {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier().build();
        verifier.verify(token(K1));
        server.stop();
        clock.add(Duration.ofMinutes(1));

        for (int i = 0; i < 50; i++) {
            assertRefused(verifier, tokenWithKid(ATTACKER, "made-up-" + i), Reason.BAD_SIGNATURE);
        }
    }

    @Test
    void concurrentVerificationsWithAnUnknownKeyIdShareOneFetch() throws Exception {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier().build();
        verifier.verify(token(K1));
        clock.add(Duration.ofSeconds(30));
        server.serve(jwks(K1, K2)).hold();
        String token = token(K2);

        List<Future<VerifiedToken>> results = submitConcurrently(16, () -> verifier.verify(token));
        server.awaitRequests(2);
        Thread.sleep(200); // let the other callers reach the refresh that is held by the server
        server.release();

        for (Future<VerifiedToken> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS).subject()).isEqualTo("alice");
        }
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void concurrentFirstVerificationsShareOneFetch() throws Exception {
        server.serve(jwks(K1)).hold();
        JwtVerifier verifier = verifier().build();
        String token = token(K1);

        List<Future<VerifiedToken>> results = submitConcurrently(16, () -> verifier.verify(token));
        server.awaitRequests(1);
        Thread.sleep(200);
        server.release();

        for (Future<VerifiedToken> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS).subject()).isEqualTo("alice");
        }
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void anOversizedResponseIsRefusedWithOrWithoutContentLength() {
        String padded = "{\"keys\":[" + K1.toPublicJWK().toJSONString() + "],\"padding\":\"" + "x".repeat(600 * 1024) + "\"}";
        for (boolean chunked : List.of(false, true)) {
            server.serve(padded).chunked(chunked);
            JwtVerifier verifier = verifier().build();

            assertRefused(verifier, token(K1), Reason.KEY_UNAVAILABLE);
        }
    }

    @Test
    void theResponseSizeLimitIsConfigurable() {
        String padded = "{\"keys\":[" + K1.toPublicJWK().toJSONString() + "],\"padding\":\"" + "x".repeat(20 * 1024) + "\"}";
        server.serve(padded);

        assertThat(verifier().build().verify(token(K1)).subject()).isEqualTo("alice");
        assertRefused(verifier(o -> o.maxResponseSize(16 * 1024)).build(), token(K1), Reason.KEY_UNAVAILABLE);
    }

    @Test
    void aSlowEndpointTimesOut() {
        server.serve(jwks(K1)).hold();
        JwtVerifier verifier = verifier(o -> o.timeout(Duration.ofMillis(300))).build();
        long start = System.nanoTime();

        assertRefused(verifier, token(K1), Reason.KEY_UNAVAILABLE);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void onlyPublicSignatureKeysAreTakenFromTheEndpoint() throws Exception {
        RSAKey encryptionKey = new RSAKey.Builder(K2.toRSAPublicKey()).keyID("k2").keyUse(KeyUse.ENCRYPTION).build();
        OctetSequenceKey secret = new OctetSequenceKey.Builder(JwtKeys.generateHmacSecret()).keyID("s1").build();
        server.serve(TestTokens.json(new JWKSet(List.of(K1, encryptionKey, secret)).toJSONObject(false)));

        assertRefused(verifier().build(), token(K1), Reason.KEY_UNAVAILABLE);

        server.serve(TestTokens.json(new JWKSet(List.of(K1, encryptionKey, secret, E1.toPublicJWK())).toJSONObject(false)));
        JwtVerifier verifier = verifier().build();
        assertThat(verifier.verify(token(E1)).subject()).isEqualTo("alice");
        assertRefused(verifier, token(K1), Reason.BAD_SIGNATURE);
        assertRefused(verifier, token(K2), Reason.BAD_SIGNATURE);
    }

    @Test
    void expiredAndRevokedKeysAreNotTakenFromTheEndpoint() throws Exception {
        RSAKey expired = new RSAKey.Builder(K1.toRSAPublicKey()).keyID("k1")
                .expirationTime(java.util.Date.from(NOW.minusSeconds(1))).build();
        // the "revoked" member written by hand: Nimbus 9, which applications may run, has no KeyRevocation
        Map<String, Object> revoked = new java.util.LinkedHashMap<>(K2.toPublicJWK().toJSONObject());
        revoked.put("kid", "k2");
        revoked.put("revoked", Map.of("revoked_at", NOW.minusSeconds(60).getEpochSecond()));
        server.serve(TestTokens.json(Map.of("keys", List.of(expired.toJSONObject(), revoked, E1.toPublicJWK().toJSONObject()))));
        JwtVerifier verifier = verifier().build();

        assertThat(verifier.verify(token(E1)).subject()).isEqualTo("alice");
        assertRefused(verifier, token(K1), Reason.BAD_SIGNATURE);
        assertRefused(verifier, token(K2), Reason.BAD_SIGNATURE);
    }

    @Test
    void anHmacTokenIsNeverCheckedWithAKeyFromTheEndpoint() {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier().build();
        byte[] publicKeyAsSecret = K1.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);

        assertRefused(verifier, TestTokens.signHmac(publicKeyAsSecret, "{\"alg\":\"HS256\",\"kid\":\"k1\"}",
                TestTokens.json(claims())), Reason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void aTokenWithoutKeyIdIsCheckedOnlyWhenTheEndpointHasOneFittingKey() {
        server.serve(jwks(K1, E1));
        JwtVerifier verifier = verifier().build();
        assertThat(verifier.verify(sign(K1, header("RS256", null), claims())).subject()).isEqualTo("alice");

        server.serve(jwks(K1, K2));
        JwtVerifier two = verifier().build();
        assertRefused(two, sign(K1, header("RS256", null), claims()), Reason.BAD_SIGNATURE);
    }

    @Test
    void aJkuHeaderNeverRedirectsTheFetch() {
        server.serve(jwks(K1));
        try (JwksServer attacker = JwksServer.serving(jwks(ATTACKER))) {
            JwtVerifier verifier = verifier().build();
            Map<String, Object> header = header("RS256", "k1");
            header.put("jku", attacker.uri().toString());

            assertRefused(verifier, sign(ATTACKER, header, claims()), Reason.BAD_SIGNATURE);
            assertThat(attacker.requests()).isZero();
            assertThat(server.requests()).isEqualTo(1);
        }
    }

    @Test
    void theKeyUnavailableMessageNamesTheEndpointButNotItsQuery() {
        server.stop();
        JwtVerifier verifier = JwtVerifier.builder().jwksUri(URI.create(server.uri() + "?api_key=s3cret")).clock(clock).build();

        assertThatThrownBy(() -> verifier.verify(token(K1)))
                .isInstanceOf(TokenVerificationException.class)
                .hasMessageContaining("127.0.0.1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
    }

    @Test
    void configuredKeysAndAnEndpointWorkTogether() {
        server.serve(jwks(K1));
        JwtVerifier verifier = verifier().jwk(E1.toPublicJWK().toJSONString()).build();

        assertThat(verifier.verify(token(E1)).subject()).isEqualTo("alice");
        assertThat(server.requests()).isZero();
        assertThat(verifier.verify(token(K1)).subject()).isEqualTo("alice");
        assertThat(server.requests()).isEqualTo(1);
    }

    private List<Future<VerifiedToken>> submitConcurrently(int callers, Callable<VerifiedToken> call) {
        List<Future<VerifiedToken>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(pool.submit(call));
        }
        return results;
    }

    private static Reason refusal(JwtVerifier verifier, String token) {
        try {
            verifier.verify(token);
            return null;
        } catch (TokenVerificationException e) {
            return e.reason();
        }
    }

    /** Polls until the value is not null, for at most 5 s: for what happens in the background. */
    private static <T> T eventually(java.util.function.Supplier<T> value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        T result = value.get();
        while (result == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
            result = value.get();
        }
        return result;
    }
}
