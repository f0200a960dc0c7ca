package dev.stateless.jwt;

import static dev.stateless.jwt.TestTokens.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import dev.stateless.core.token.VerifiedToken;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.threeten.extra.MutableClock;

class JwtIssuerTest {

    static final byte[] SECRET = JwtKeys.generateHmacSecret();
    static final RSAKey RSA = JwtKeys.generateRsa("rsa-1");
    static final ECKey EC = JwtKeys.generateEc("ec-1");
    static final OctetKeyPair ED = JwtKeys.generateEd25519("ed-1");

    final MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);

    record Pair(JwtIssuer.Builder issuer, JwtVerifier.Builder verifier) {
    }

    static Stream<Arguments> keys() {
        return Stream.of(
                Arguments.of("HS256", Named.of("HMAC secret", (java.util.function.Supplier<Pair>) () -> new Pair(
                        JwtIssuer.builder().hmacSecret(SECRET), JwtVerifier.builder().hmacSecret(SECRET)))),
                Arguments.of("RS256", Named.of("RSA key", (java.util.function.Supplier<Pair>) () -> new Pair(
                        JwtIssuer.builder().rsaKey(RSA), JwtVerifier.builder()))),
                Arguments.of("ES256", Named.of("EC P-256 key", (java.util.function.Supplier<Pair>) () -> new Pair(
                        JwtIssuer.builder().ecKey(EC), JwtVerifier.builder()))),
                Arguments.of("EdDSA", Named.of("Ed25519 key", (java.util.function.Supplier<Pair>) () -> new Pair(
                        JwtIssuer.builder().ed25519Key(ED), JwtVerifier.builder()))));
    }

    /** The verifier trusts the issuer's published key (or shared secret), and nothing else. */
    static JwtVerifier verifierFor(JwtIssuer issuer, JwtVerifier.Builder verifier, MutableClock clock) {
        if (!issuer.algorithm().startsWith("HS")) {
            verifier.jwkSet(issuer.publicJwkSet());
        }
        return verifier.clock(clock).issuers("https://auth.example").audiences("shop").build();
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("keys")
    void aTokenFromTheIssuerVerifiesWithItsKeyAndCarriesEveryClaim(String algorithm,
            java.util.function.Supplier<Pair> pair) {
        JwtIssuer issuer = pair.get().issuer().issuer("https://auth.example").audience("shop").clock(clock).build();
        JwtVerifier verifier = verifierFor(issuer, pair.get().verifier(), clock);

        String token = issuer.issue("alice", Map.of("roles", List.of("clerk"), "scope", "orders:read", "tenant", "acme"));
        VerifiedToken verified = verifier.verify(token);

        assertThat(issuer.algorithm()).isEqualTo(algorithm);
        assertThat(verified.subject()).isEqualTo("alice");
        assertThat(verified.issuer()).contains("https://auth.example");
        assertThat(verified.claims().get("aud")).isEqualTo("shop");
        assertThat(verified.expiresAt()).contains(NOW.plus(Duration.ofMinutes(15)));
        assertThat(verified.claims().get("iat")).isEqualTo(NOW.getEpochSecond());
        assertThat(UUID.fromString(verified.tokenId().orElseThrow())).isNotNull();
        assertThat(verified.roles()).containsExactlyInAnyOrder("clerk", "orders:read");
        assertThat(verified.stringClaim("tenant")).contains("acme");
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("keys")
    void aTokenFromAnotherIssuerKeyIsRefused(String algorithm, java.util.function.Supplier<Pair> pair) {
        JwtIssuer issuer = pair.get().issuer().issuer("https://auth.example").audience("shop").clock(clock).build();
        JwtIssuer.Builder otherKey = switch (algorithm) {
            case "HS256" -> JwtIssuer.builder().hmacSecret(JwtKeys.generateHmacSecret());
            case "RS256" -> JwtIssuer.builder().rsaKey(JwtKeys.generateRsa("rsa-1"));
            case "ES256" -> JwtIssuer.builder().ecKey(JwtKeys.generateEc("ec-1"));
            default -> JwtIssuer.builder().ed25519Key(JwtKeys.generateEd25519("ed-1"));
        };
        JwtIssuer other = otherKey.issuer("https://auth.example").audience("shop").clock(clock).build();
        JwtVerifier verifier = verifierFor(issuer, pair.get().verifier(), clock);

        assertThatThrownBy(() -> verifier.verify(other.issue("alice"))).hasMessageContaining("signature");
    }

    @Test
    void everyTokenHasItsOwnId() {
        JwtIssuer issuer = JwtIssuer.builder().hmacSecret(SECRET).clock(clock).build();
        JwtVerifier verifier = JwtVerifier.builder().hmacSecret(SECRET).clock(clock).build();

        assertThat(verifier.verify(issuer.issue("alice")).tokenId())
                .isNotEqualTo(verifier.verify(issuer.issue("alice")).tokenId());
    }

    @Test
    void theLifetimeSetsTheExpiry() {
        JwtIssuer issuer = JwtIssuer.builder().hmacSecret(SECRET).lifetime(Duration.ofMinutes(2)).clock(clock).build();
        JwtVerifier verifier = JwtVerifier.builder().hmacSecret(SECRET).clockSkew(Duration.ZERO).clock(clock).build();
        String token = issuer.issue("alice");

        assertThat(verifier.verify(token).expiresAt()).contains(NOW.plus(Duration.ofMinutes(2)));
        clock.add(Duration.ofMinutes(2));
        assertThatThrownBy(() -> verifier.verify(token)).hasMessageContaining("expired");
    }

    @Test
    void anAccessTokenFromTheIssuerPassesTheAccessTokenProfile() {
        JwtIssuer issuer = JwtIssuer.builder().rsaKey(RSA).type("at+jwt").issuer("https://auth.example")
                .audience("shop").clock(clock).build();
        JwtVerifier verifier = JwtVerifier.builder().jwkSet(issuer.publicJwkSet()).accessTokenProfile()
                .issuers("https://auth.example").audiences("shop").clock(clock).build();

        VerifiedToken token = verifier.verify(issuer.issue("alice", Map.of("client_id", "shop-web")));

        assertThat(token.stringClaim("client_id")).contains("shop-web");
    }

    @Test
    void severalAudiencesBecomeAnArray() {
        JwtIssuer issuer = JwtIssuer.builder().hmacSecret(SECRET).audience("shop", "billing").clock(clock).build();
        JwtVerifier verifier = JwtVerifier.builder().hmacSecret(SECRET).audiences("billing").clock(clock).build();

        assertThat(verifier.verify(issuer.issue("alice")).stringListClaim("aud")).containsExactly("shop", "billing");
    }

    @Test
    void theKeyIdComesFromTheJwkUnlessSet() {
        JwtIssuer named = JwtIssuer.builder().rsaKey(RSA).clock(clock).build();
        JwtIssuer renamed = JwtIssuer.builder().rsaKey(RSA).keyId("2030-01").clock(clock).build();

        assertThat(header(named.issue("alice"))).contains("\"kid\":\"rsa-1\"");
        assertThat(header(renamed.issue("alice"))).contains("\"kid\":\"2030-01\"");
        assertThat(renamed.publicJwkSet()).contains("\"kid\":\"2030-01\"");
    }

    @Test
    void thePublishedKeySetHoldsOnlyThePublicKeyMarkedForSignatures() throws Exception {
        JwtIssuer issuer = JwtIssuer.builder().rsaKey(RSA).clock(clock).build();

        JWKSet published = JWKSet.parse(issuer.publicJwkSet());

        assertThat(published.getKeys()).hasSize(1);
        JWK key = published.getKeys().get(0);
        assertThat(key.isPrivate()).isFalse();
        assertThat(key.getKeyUse().identifier()).isEqualTo("sig");
        assertThat(key.getAlgorithm().getName()).isEqualTo("RS256");
        assertThat(issuer.publicJwkSet()).doesNotContain("\"d\"", "\"p\"", "\"q\"");
    }

    @Test
    void anHmacIssuerHasNoPublicKeyToPublish() {
        JwtIssuer issuer = JwtIssuer.builder().hmacSecret(SECRET).build();

        assertThatThrownBy(issuer::publicJwkSet).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void jdkKeyPairsSignTokensThatTheMatchingPublicKeysVerify() throws Exception {
        KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
        rsaGenerator.initialize(2048);
        KeyPair rsa = rsaGenerator.generateKeyPair();
        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair ec = ecGenerator.generateKeyPair();
        JwtVerifier verifier = JwtVerifier.builder().clock(clock)
                .publicKey("rsa", rsa.getPublic()).publicKey("ec", ec.getPublic()).build();

        String rsaToken = JwtIssuer.builder().rsaKey(rsa).keyId("rsa").clock(clock).build().issue("alice");
        JwtIssuer ecIssuer = JwtIssuer.builder().ecKey(ec).keyId("ec").clock(clock).build();

        assertThat(verifier.verify(rsaToken).subject()).isEqualTo("alice");
        assertThat(ecIssuer.algorithm()).isEqualTo("ES384");
        assertThat(verifier.verify(ecIssuer.issue("bob")).subject()).isEqualTo("bob");
    }

    @Test
    void claimsTheIssuerSetsCannotBePassedIn() {
        JwtIssuer issuer = JwtIssuer.builder().hmacSecret(SECRET).build();

        for (String name : List.of("sub", "jti", "iat", "exp", "iss", "aud")) {
            assertThatThrownBy(() -> issuer.issue("alice", Map.of(name, "x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + name + "'");
        }
    }

    @Test
    void claimValuesMustBeJsonValues() {
        JwtIssuer issuer = JwtIssuer.builder().hmacSecret(SECRET).build();

        assertThatThrownBy(() -> issuer.issue("alice", Map.of("when", NOW)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'when'");
    }

    @Test
    void theBuilderRefusesBadConfigurationNamingTheOption() {
        assertThatThrownBy(() -> JwtIssuer.builder().build()).hasMessageContaining("no signing key");
        assertThatThrownBy(() -> JwtIssuer.builder().hmacSecret(new byte[16]).build()).hasMessageStartingWith("hmacSecret");
        assertThatThrownBy(() -> JwtIssuer.builder().hmacSecret(SECRET).rsaKey(RSA).build()).hasMessageStartingWith("rsaKey");
        assertThatThrownBy(() -> JwtIssuer.builder().rsaKey(RSA.toPublicJWK()).build())
                .hasMessageStartingWith("rsaKey").hasMessageContaining("private key");
        assertThatThrownBy(() -> JwtIssuer.builder().ecKey(EC).algorithm("RS256").build()).hasMessageStartingWith("algorithm");
        assertThatThrownBy(() -> JwtIssuer.builder().hmacSecret(SECRET).algorithm("none").build()).hasMessageStartingWith("algorithm");
        assertThatThrownBy(() -> JwtIssuer.builder().hmacSecret(SECRET).algorithm("HS512").build()).hasMessageStartingWith("algorithm");
        assertThatThrownBy(() -> JwtIssuer.builder().hmacSecret(SECRET).lifetime(Duration.ZERO).build()).hasMessageStartingWith("lifetime");
        assertThatThrownBy(() -> JwtIssuer.builder().hmacSecret(SECRET).audience(" ").build()).hasMessageStartingWith("audience");
        assertThatThrownBy(() -> JwtIssuer.builder().hmacSecret(SECRET).build().issue(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String header(String token) {
        return new String(java.util.Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Issue 11 item 11: of the two valid ECDSA signatures the issuer always emits the low-S one. */
    @Test
    void everyEcdsaSignatureIsTheLowSForm() {
        for (String alg : new String[] {"ES256", "ES384", "ES512"}) {
            com.nimbusds.jose.jwk.Curve curve = switch (alg) {
                case "ES256" -> com.nimbusds.jose.jwk.Curve.P_256;
                case "ES384" -> com.nimbusds.jose.jwk.Curve.P_384;
                default -> com.nimbusds.jose.jwk.Curve.P_521;
            };
            com.nimbusds.jose.jwk.ECKey key;
            try {
                key = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(curve).keyID("ec-" + alg).generate();
            } catch (com.nimbusds.jose.JOSEException e) {
                throw new IllegalStateException(e);
            }
            JwtIssuer issuer = JwtIssuer.builder().ecKey(key).build();
            JwtVerifier strict = JwtVerifier.builder().jwkSet(issuer.publicJwkSet()).requireLowS(true).build();
            for (int i = 0; i < 24; i++) {
                String token = issuer.issue("alice");
                byte[] signature = java.util.Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
                assertThat(Ecdsa.isHighS(com.nimbusds.jose.JWSAlgorithm.parse(alg), signature)).as(alg).isFalse();
                assertThat(strict.verify(token).subject()).isEqualTo("alice");
            }
        }
    }
}
