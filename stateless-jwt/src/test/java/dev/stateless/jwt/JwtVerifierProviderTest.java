package dev.stateless.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.core.token.TokenVerifiers;
import dev.stateless.core.token.VerifiedToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A verifier made from text options, as {@code BearerTokenFilter} makes one from {@code web.xml}:
 * every option by its kebab-case name, secrets only by reference (environment variable or file),
 * and errors that name the option a user wrote.
 */
class JwtVerifierProviderTest {

    static final byte[] SECRET = JwtKeys.generateHmacSecret();
    static final String SECRET_B64 = Base64.getEncoder().encodeToString(SECRET);
    static final JwtIssuer ISSUER = JwtIssuer.builder().hmacSecret(SECRET).issuer("https://auth.test").audience("shop").build();

    @TempDir
    Path dir;

    /** The provider with a made-up environment holding the secret under {@code SHOP_JWT_SECRET}. */
    private final JwtVerifierProvider provider = new JwtVerifierProvider(Map.of("SHOP_JWT_SECRET", SECRET_B64)::get);

    private static Map<String, String> options(String... pairs) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            options.put(pairs[i], pairs[i + 1]);
        }
        return options;
    }

    @Test
    void theJwtProviderIsFoundOnTheClassPathAndReadsTheSecretFromAFile() throws IOException {
        Path file = Files.writeString(dir.resolve("secret"), SECRET_B64 + "\n");

        TokenVerifier verifier = TokenVerifiers.create(options("hmac-secret-file", file.toString()));

        assertThat(verifier).isInstanceOf(JwtVerifier.class);
        assertThat(verifier.verify(ISSUER.issue("alice")).subject()).isEqualTo("alice");
    }

    @Test
    void theSecretComesFromTheEnvironmentVariableNamed() {
        TokenVerifier verifier = provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET"));

        assertThat(verifier.verify(ISSUER.issue("alice")).subject()).isEqualTo("alice");
    }

    @Test
    void aSecretInUrlSafeBase64WithoutPaddingIsTheSameSecret() {
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(SECRET);
        JwtVerifierProvider withUrlSafe = new JwtVerifierProvider(Map.of("S", urlSafe)::get);

        assertThat(withUrlSafe.create(options("hmac-secret-env", "S")).verify(ISSUER.issue("bob")).subject())
                .isEqualTo("bob");
    }

    @Test
    void anUnsetVariableIsNamedInTheError() {
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "NOT_THERE")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hmac-secret-env: the environment variable 'NOT_THERE' is not set or empty");
    }

    @Test
    void aSecretThatIsNotBase64IsRefusedWithoutQuotingIt() {
        JwtVerifierProvider bad = new JwtVerifierProvider(Map.of("S", "my$ecret!passw0rd-that-is-long-enough")::get);

        assertThatThrownBy(() -> bad.create(options("hmac-secret-env", "S")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("hmac-secret-env: the secret must be base64")
                .hasNoCause()
                .message().doesNotContain("$").doesNotContain("passw0rd");
    }

    @Test
    void aShortSecretIsRefusedNamingTheOptionItCameFrom() {
        JwtVerifierProvider shortSecret = new JwtVerifierProvider(
                Map.of("S", Base64.getEncoder().encodeToString(new byte[16]))::get);

        assertThatThrownBy(() -> shortSecret.create(options("hmac-secret-env", "S")))
                .hasMessage("hmac-secret-env: must be at least 32 bytes (256 bits), was 16");
    }

    @Test
    void theSecretItselfIsNeverAnOption() {
        assertThatThrownBy(() -> provider.create(options("hmac-secret", SECRET_B64)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("hmac-secret is not accepted")
                .message().doesNotContain(SECRET_B64);
    }

    @Test
    void oneSecretSourceOnly() {
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET", "hmac-secret-file", "/x")))
                .hasMessage("hmac-secret-env and hmac-secret-file exclude each other");
    }

    @Test
    void withoutAnyKeyTheErrorListsTheKeyOptions() {
        assertThatThrownBy(() -> provider.create(options("issuers", "https://auth.test")))
                .hasMessage("no key configured: set hmac-secret-env, hmac-secret-file, jwks-uri, jwk-set, jwk-set-file "
                        + "or public-key-file");
    }

    @Test
    void unknownOptionsAreRefusedByName() {
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET", "issuer", "x", "skew", "1")))
                .hasMessage("unknown parameters [issuer, skew]");
    }

    @Test
    void builderChecksAreReportedUnderTheTextOptionNames() {
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET", "clock-skew", "PT2H")))
                .hasMessage("clock-skew: must be between 0 and 1 hour, was PT2H");
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET", "algorithms", "HS256 none")))
                .hasMessage("algorithms: 'none' is never allowed");
        assertThatThrownBy(() -> provider.create(options("jwks-uri", "http://keys.example/jwks.json")))
                .hasMessageStartingWith("jwks-uri: must be an https URI");
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET", "max-token-size", "big")))
                .hasMessage("max-token-size must be a whole number, was 'big'");
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET", "require-expiration", "yes")))
                .hasMessage("require-expiration must be true or false, was 'yes'");
    }

    @Test
    void issuersAudiencesAndRolesClaimsAreListsSeparatedByCommasOrSpaces() {
        TokenVerifier verifier = provider.create(options(
                "hmac-secret-env", "SHOP_JWT_SECRET",
                "issuers", "https://auth.test",
                "audiences", "billing shop",
                "roles-claims", "groups",
                "required-claims", "jti,tenant"));

        VerifiedToken token = verifier.verify(ISSUER.issue("alice", Map.of("groups", List.of("admin"), "tenant", "acme",
                "roles", List.of("ignored"))));
        assertThat(token.roles()).containsExactly("admin");

        JwtIssuer elsewhere = JwtIssuer.builder().hmacSecret(SECRET).issuer("https://auth.test").audience("mail").build();
        assertThatThrownBy(() -> verifier.verify(elsewhere.issue("alice", Map.of("tenant", "acme"))))
                .isInstanceOfSatisfying(TokenVerificationException.class,
                        e -> assertThat(e.reason()).isEqualTo(TokenVerificationException.Reason.WRONG_AUDIENCE));
        assertThatThrownBy(() -> verifier.verify(ISSUER.issue("alice")))
                .isInstanceOfSatisfying(TokenVerificationException.class,
                        e -> assertThat(e.reason()).isEqualTo(TokenVerificationException.Reason.MISSING_CLAIM));
    }

    @Test
    void severalIssuersSharingOneKeySourceAreRefusedNamingTheParameter() {
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET",
                "issuers", "https://other.test, https://auth.test")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("issuers: several trusted issuers need their own keys");
    }

    @Test
    void revocationRequiresJtiUnlessAllowedAndLowSCanBeRequired() {
        try (AutoCloseable verifier = (AutoCloseable) provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET",
                "revocation-uri", "memory:", "allow-tokens-without-id", "true", "require-low-s", "true"))) {
            assertThat(verifier).isNotNull();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET",
                "allow-tokens-without-id", "true")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("allow-tokens-without-id needs revocation-uri");
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET", "jwks-timeout", "PT1S")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("jwks-timeout needs jwks-uri");
    }

    @Test
    void publicKeysComeFromAJwkSetFileOrAPemFileWithItsKeyId() throws Exception {
        RSAKey rsa = JwtKeys.generateRsa("rsa-1");
        JwtIssuer rsaIssuer = JwtIssuer.builder().rsaKey(rsa).build();
        Path jwks = Files.writeString(dir.resolve("jwks.json"), rsaIssuer.publicJwkSet());
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(rsa.toPublicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        Path pemFile = Files.writeString(dir.resolve("key.pem"), pem);

        assertThat(provider.create(options("jwk-set-file", jwks.toString())).verify(rsaIssuer.issue("carol")).subject())
                .isEqualTo("carol");
        assertThat(provider.create(options("public-key-file", pemFile.toString(), "public-key-id", "rsa-1"))
                .verify(rsaIssuer.issue("carol")).subject()).isEqualTo("carol");
        assertThatThrownBy(() -> provider.create(options("public-key-file", pemFile.toString())))
                .hasMessage("public-key-id must name the key id (kid) of public-key-file");
        assertThatThrownBy(() -> provider.create(options("jwk-set-file", dir.resolve("missing.json").toString())))
                .hasMessageStartingWith("jwk-set-file: the file '" + dir.resolve("missing.json") + "' cannot be read");
    }

    @Test
    void aRevocationUriMakesAListTheVerifierOwnsAndCloses() throws Exception {
        TokenVerifier verifier = provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET", "revocation-uri", "memory:"));

        assertThat(verifier).isInstanceOf(AutoCloseable.class);
        assertThat(verifier.verify(ISSUER.issue("alice")).subject()).isEqualTo("alice");
        ((AutoCloseable) verifier).close();
    }

    @Test
    void revocationOptionsNeedARevocationUriAndBadOnesAreNamed() {
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET",
                "revocation-key-prefix", "app:")))
                .hasMessage("revocation-command-timeout and revocation-key-prefix need revocation-uri");
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET",
                "revocation-uri", "memory:", "revocation-command-timeout", "fast")))
                .hasMessage("revocation-command-timeout must be a duration such as PT30M or 1800, was 'fast'");
        assertThatThrownBy(() -> provider.create(options("hmac-secret-env", "SHOP_JWT_SECRET",
                "revocation-uri", "mongodb://x")))
                .hasMessageStartingWith("revocation-uri: no revocation list for scheme 'mongodb'");
    }
}
