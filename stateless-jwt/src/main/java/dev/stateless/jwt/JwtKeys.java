package dev.stateless.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Fresh signing keys for a {@link JwtIssuer}: for tests, examples and services that mint their own
 * tokens. Each key pair is a Nimbus JWK holding the private key; publish only its public half
 * ({@link JwtIssuer#publicJwkSet()}).
 */
public final class JwtKeys {

    private static final SecureRandom RANDOM = new SecureRandom();

    private JwtKeys() {
    }

    /**
     * 32 random bytes, enough for HS256.
     *
     * @return a new secret
     */
    public static byte[] generateHmacSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return secret;
    }

    /**
     * A 2048-bit RSA key pair for RS256.
     *
     * @param kid the key id, carried in the JWK and in the tokens' {@code kid}
     * @return a new key pair
     */
    public static RSAKey generateRsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(Objects.requireNonNull(kid, "kid")).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("RSA key generation failed", e);
        }
    }

    /**
     * A P-256 key pair for ES256.
     *
     * @param kid the key id, carried in the JWK and in the tokens' {@code kid}
     * @return a new key pair
     */
    public static ECKey generateEc(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(Objects.requireNonNull(kid, "kid")).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("EC key generation failed", e);
        }
    }

    /**
     * An Ed25519 key pair for EdDSA.
     *
     * @param kid the key id, carried in the JWK and in the tokens' {@code kid}
     * @return a new key pair
     */
    public static OctetKeyPair generateEd25519(String kid) {
        try {
            return Ed25519.generate(Objects.requireNonNull(kid, "kid"));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 key generation failed", e);
        }
    }
}
