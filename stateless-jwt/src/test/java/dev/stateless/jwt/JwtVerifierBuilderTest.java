package dev.stateless.jwt;

import static dev.stateless.jwt.TestTokens.NOW;
import static dev.stateless.jwt.TestTokens.header;
import static dev.stateless.jwt.TestTokens.sign;
import static dev.stateless.jwt.TestTokens.validClaims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/** Bad configuration fails at build (or at the setter), with a message that names the option. */
class JwtVerifierBuilderTest {

    static final RSAKey RSA = JwtKeys.generateRsa("rsa-1");
    static final ECKey EC = JwtKeys.generateEc("ec-1");
    static final OctetKeyPair ED = JwtKeys.generateEd25519("ed-1");
    static final byte[] SECRET = JwtKeys.generateHmacSecret();

    final MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);

    static AbstractThrowableAssert<?, ? extends Throwable> assertRefusedConfiguration(ThrowingCallable build, String option) {
        return assertThatThrownBy(build).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(option);
    }

    @Test
    void aKeySourceIsRequired() {
        assertThatThrownBy(() -> JwtVerifier.builder().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no key configured");
    }

    @Test
    void anHmacSecretNeedsAtLeast32Bytes() {
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(new byte[31]).build(), "hmacSecret");
        assertThat(JwtVerifier.builder().hmacSecret(new byte[32]).build()).isNotNull();
    }

    @Test
    void hs512NeedsA64ByteSecret() {
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).algorithms("HS512").build(), "hmacSecret");
        assertThat(JwtVerifier.builder().hmacSecret(new byte[64]).algorithms("HS512").build()).isNotNull();
    }

    @Test
    void noneIsNeverAllowedInAnySpelling() {
        for (String none : List.of("none", "None", "NONE", "none ")) {
            assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).algorithms("HS256", none).build(),
                    "algorithms").hasMessageContaining("never");
        }
    }

    @Test
    void anUnknownAlgorithmIsRefused() {
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).algorithms("HS1").build(), "algorithms");
    }

    @Test
    void anAllowedAlgorithmNeedsAKeyOfItsType() {
        assertRefusedConfiguration(() -> JwtVerifier.builder().jwk(RSA.toPublicJWK().toJSONString())
                .algorithms("RS256", "HS256").build(), "algorithms").hasMessageContaining("HS256");
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).algorithms("RS256").build(), "algorithms");
        assertRefusedConfiguration(() -> JwtVerifier.builder().jwksUri(URI.create("https://auth.example/jwks"))
                .algorithms("HS256").build(), "algorithms");
    }

    @Test
    void aKeyThatFitsNoAllowedAlgorithmIsRefused() {
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).jwk(RSA.toPublicJWK().toJSONString())
                .algorithms("RS256").build(), "hmacSecret");
    }

    @Test
    void privateKeyMaterialIsRefusedWithoutBeingQuoted() throws Exception {
        String privateJwk = RSA.toJSONString();
        String d = RSA.getPrivateExponent().toString();

        assertRefusedConfiguration(() -> JwtVerifier.builder().jwk(privateJwk), "jwk")
                .hasMessageContaining("private").satisfies(e -> assertThat(e.getMessage()).doesNotContain(d));
        assertRefusedConfiguration(() -> JwtVerifier.builder().jwkSet(new JWKSet(List.of(EC.toPublicJWK(), RSA)).toString(false)),
                "jwkSet").hasMessageContaining("private");
        byte[] pkcs8 = EC.toPrivateKey().getEncoded();
        String privatePem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n";
        assertRefusedConfiguration(() -> JwtVerifier.builder().publicKeyPem("ec-1", privatePem), "publicKeyPem")
                .hasMessageContaining("private");
    }

    @Test
    void aSymmetricJwkIsRefusedInFavourOfHmacSecret() {
        String oct = new OctetSequenceKey.Builder(SECRET).build().toJSONString();

        assertRefusedConfiguration(() -> JwtVerifier.builder().jwk(oct), "jwk").hasMessageContaining("hmacSecret");
    }

    @Test
    void garbageKeysAreRefusedWithoutBeingQuoted() {
        assertRefusedConfiguration(() -> JwtVerifier.builder().jwk("{\"kty\":\"RSA\",\"n\":\"secret-looking\"}"), "jwk")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-looking"));
        assertRefusedConfiguration(() -> JwtVerifier.builder().publicKeyPem("k", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
                "publicKeyPem");
        assertRefusedConfiguration(() -> JwtVerifier.builder().publicKeyPem("k", "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----"),
                "publicKeyPem").hasMessageContaining("PUBLIC KEY");
    }

    @Test
    void rsaKeysShorterThan2048BitsAreRefused() throws Exception {
        RSAKey small = new RSAKeyGenerator(1024, true).keyID("small").generate();

        assertRefusedConfiguration(() -> JwtVerifier.builder().jwk(small.toPublicJWK().toJSONString()).build(), "jwk")
                .hasMessageContaining("2048");
    }

    @Test
    void publicKeysAreAcceptedAsPemForRsaEcAndEd25519() throws Exception {
        JwtVerifier verifier = JwtVerifier.builder().clock(clock)
                .publicKeyPem("rsa-1", pem(RSA.toRSAPublicKey()))
                .publicKeyPem("ec-1", pem(EC.toECPublicKey()))
                .publicKeyPem("ed-1", pem(ed25519PublicKey(ED)))
                .build();

        assertThat(verifier.verify(sign(RSA, header("RS256", "rsa-1"), validClaims())).subject()).isEqualTo("alice");
        assertThat(verifier.verify(sign(EC, header("ES256", "ec-1"), validClaims())).subject()).isEqualTo("alice");
        assertThat(verifier.verify(sign(ED, header("EdDSA", "ed-1"), validClaims())).subject()).isEqualTo("alice");
    }

    @Test
    void aJdkEd25519PublicKeyIsAccepted() throws Exception {
        JwtVerifier verifier = JwtVerifier.builder().clock(clock).publicKey("ed-1", ed25519PublicKey(ED)).build();

        assertThat(verifier.verify(sign(ED, header("EdDSA", "ed-1"), validClaims())).subject()).isEqualTo("alice");
    }

    @Test
    void theFullySpecifiedEd25519AlgorithmNameCanBeAllowed() {
        JwtVerifier verifier = JwtVerifier.builder().clock(clock).jwk(ED.toPublicJWK().toJSONString())
                .algorithms("EdDSA", "Ed25519").build();

        assertThat(verifier.verify(sign(ED, header("Ed25519", "ed-1"), validClaims())).subject()).isEqualTo("alice");
    }

    @Test
    void aCertificateInPemIsAccepted(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir, "issuer.example");
        JwtVerifier verifier = JwtVerifier.builder().clock(clock).publicKeyPem("cert-1", certificate.pem()).build();

        assertThat(verifier.verify(sign(certificate.key(), header("ES256", "cert-1"), validClaims())).subject())
                .isEqualTo("alice");
    }

    @Test
    void theJwksUriMustBeHttpsUnlessOnLoopback() {
        assertRefusedConfiguration(() -> JwtVerifier.builder().jwksUri(URI.create("http://auth.example/jwks")).build(), "jwksUri");
        assertRefusedConfiguration(() -> JwtVerifier.builder().jwksUri(URI.create("file:///etc/jwks.json")).build(), "jwksUri");
        assertRefusedConfiguration(() -> JwtVerifier.builder().jwksUri(URI.create("http://10.0.0.1/jwks")).build(), "jwksUri");
        assertThat(JwtVerifier.builder().jwksUri(URI.create("https://auth.example/jwks")).build()).isNotNull();
        assertThat(JwtVerifier.builder().jwksUri(URI.create("http://localhost:8080/jwks")).build()).isNotNull();
        assertThat(JwtVerifier.builder().jwksUri(URI.create("http://127.0.0.1:8080/jwks")).build()).isNotNull();
        assertThat(JwtVerifier.builder().jwksUri(URI.create("http://[::1]:8080/jwks")).build()).isNotNull();
    }

    @Test
    void durationsAndSizesAreChecked() {
        JwtVerifier.Builder hmac = JwtVerifier.builder().hmacSecret(SECRET);
        assertRefusedConfiguration(() -> hmac.clockSkew(Duration.ofSeconds(-1)).build(), "clockSkew");
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).maxTokenSize(10).build(), "maxTokenSize");
        JwksOptions.Builder jwks = JwksOptions.builder(URI.create("https://auth.example/jwks"));
        assertRefusedConfiguration(() -> jwks.timeout(Duration.ZERO).build(), "jwksTimeout");
        jwks.timeout(Duration.ofSeconds(1));
        assertRefusedConfiguration(() -> jwks.maxResponseSize(10).build(), "jwksMaxResponseSize");
        jwks.maxResponseSize(4096);
        assertRefusedConfiguration(() -> jwks.refreshInterval(Duration.ZERO).build(), "jwksRefreshInterval");
        jwks.refreshInterval(Duration.ofMinutes(1));
        assertRefusedConfiguration(() -> jwks.minRefreshInterval(Duration.ofSeconds(-1)).build(), "jwksMinRefreshInterval");
        jwks.minRefreshInterval(Duration.ZERO);
        assertRefusedConfiguration(() -> jwks.outageTolerance(Duration.ZERO).build(), "jwksOutageTolerance");
        assertThat(JwtVerifier.builder().jwks(jwks.outageTolerance(Duration.ofHours(1)).build()).build()).isNotNull();
    }

    @Test
    void namesMustNotBeBlank() {
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).issuers(" ").build(), "issuers");
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).audiences("").build(), "audiences");
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).acceptedTypes("").build(), "acceptedTypes");
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).requiredClaims(" ").build(), "requiredClaims");
    }

    @Test
    void theAccessTokenProfileCannotDropTheExpiry() {
        assertRefusedConfiguration(() -> JwtVerifier.builder().hmacSecret(SECRET).accessTokenProfile().issuers("i")
                .audiences("a").requireExpiration(false).build(), "requireExpiration");
    }

    @Test
    void theSecretIsCopiedSoLaterChangesToTheArrayDoNotMatter() {
        byte[] secret = JwtKeys.generateHmacSecret();
        JwtVerifier verifier = JwtVerifier.builder().hmacSecret(secret).clock(clock).build();
        String token = sign(new OctetSequenceKey.Builder(secret.clone()).build(), header("HS256", null), validClaims());

        java.util.Arrays.fill(secret, (byte) 0);

        assertThat(verifier.verify(token).subject()).isEqualTo("alice");
    }

    static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    /** The JDK's form of an Ed25519 public key: the raw key behind the RFC 8410 SubjectPublicKeyInfo prefix. */
    static PublicKey ed25519PublicKey(OctetKeyPair key) throws Exception {
        byte[] prefix = HexFormat.of().parseHex("302a300506032b6570032100");
        byte[] raw = key.getDecodedX();
        byte[] spki = new byte[prefix.length + raw.length];
        System.arraycopy(prefix, 0, spki, 0, prefix.length);
        System.arraycopy(raw, 0, spki, prefix.length, raw.length);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }
}
