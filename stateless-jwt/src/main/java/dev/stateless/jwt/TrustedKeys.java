package dev.stateless.jwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import java.net.URI;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The keys one issuer signs with: configured keys, a JWKS endpoint, or both. Given to
 * {@link JwtVerifier.Builder#issuer(String, TrustedKeys)}, they verify only tokens whose {@code iss}
 * is that issuer. Immutable and thread-safe.
 *
 * <pre>{@code
 * TrustedKeys keys = TrustedKeys.builder().jwksUri(URI.create("https://a.example/jwks.json")).build();
 * }</pre>
 */
public final class TrustedKeys {

    /** A configured key and the builder option it came from, for messages. */
    record ConfiguredKey(String option, JWK jwk) {
    }

    private final List<ConfiguredKey> configured;
    private final List<VerificationKey> keys;
    private final JwksOptions jwks;
    private final int hmacSecretLength;

    private TrustedKeys(List<ConfiguredKey> configured, List<VerificationKey> keys, JwksOptions jwks,
            int hmacSecretLength) {
        this.configured = List.copyOf(configured);
        this.keys = List.copyOf(keys);
        this.jwks = jwks;
        this.hmacSecretLength = hmacSecretLength;
    }

    /**
     * Starts a set of trusted keys.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    List<ConfiguredKey> configured() {
        return configured;
    }

    /** The configured keys, ready to verify. */
    List<VerificationKey> keys() {
        return keys;
    }

    /** The JWKS endpoint, or null. */
    JwksOptions jwks() {
        return jwks;
    }

    /** The HMAC secret's length in bytes, or -1 without one. */
    int hmacSecretLength() {
        return hmacSecretLength;
    }

    /** Configuration of {@link TrustedKeys}: at least one key or a JWKS endpoint. Not thread-safe. */
    public static final class Builder {

        private byte[] hmacSecret;
        private final List<ConfiguredKey> keys = new ArrayList<>();
        private JwksOptions jwks;

        private Builder() {
        }

        /**
         * A shared HMAC secret (HS256 by default), at least 32 bytes of random, 48 for HS384, 64 for
         * HS512. It has no key id: it verifies tokens without {@code kid} or with a {@code kid} no other
         * key carries. It never verifies an RS, PS, ES or EdDSA token.
         *
         * @param secret at least 32 bytes; copied
         * @return this builder
         */
        public Builder hmacSecret(byte[] secret) {
            this.hmacSecret = Objects.requireNonNull(secret, "hmacSecret").clone();
            return this;
        }

        /**
         * A trusted RSA (2048 bits or more), EC (P-256, P-384, P-521) or Ed25519 public key, under a key id.
         *
         * @param kid the key id tokens name in {@code kid}
         * @param key the public key
         * @return this builder
         */
        public Builder publicKey(String kid, PublicKey key) {
            Objects.requireNonNull(kid, "kid");
            Objects.requireNonNull(key, "publicKey");
            keys.add(new ConfiguredKey("publicKey", KeyMaterial.fromPublicKey("publicKey", kid, key)));
            return this;
        }

        /**
         * A trusted public key as PEM ({@code PUBLIC KEY} or {@code CERTIFICATE}), under a key id. Private
         * keys are refused.
         *
         * @param kid the key id tokens name in {@code kid}
         * @param pem a {@code PUBLIC KEY} or {@code CERTIFICATE} block
         * @return this builder
         */
        public Builder publicKeyPem(String kid, String pem) {
            Objects.requireNonNull(kid, "kid");
            Objects.requireNonNull(pem, "publicKeyPem");
            keys.add(new ConfiguredKey("publicKeyPem", KeyMaterial.fromPem("publicKeyPem", kid, pem)));
            return this;
        }

        /**
         * A trusted public key as a JWK (JSON). Private keys and symmetric ({@code oct}) keys are refused.
         *
         * @param json the JSON text, public keys only
         * @return this builder
         */
        public Builder jwk(String json) {
            Objects.requireNonNull(json, "jwk");
            keys.add(new ConfiguredKey("jwk", KeyMaterial.fromJwk("jwk", json)));
            return this;
        }

        /**
         * Trusted public keys as a JWK set (JSON). A set holding any private or symmetric key is refused.
         *
         * @param json the JSON text, public keys only
         * @return this builder
         */
        public Builder jwkSet(String json) {
            Objects.requireNonNull(json, "jwkSet");
            KeyMaterial.fromJwkSet("jwkSet", json).forEach(jwk -> keys.add(new ConfiguredKey("jwkSet", jwk)));
            return this;
        }

        /**
         * A JWKS endpoint with its fetch and cache options.
         *
         * @param options the endpoint and its fetch and cache options
         * @return this builder
         */
        public Builder jwks(JwksOptions options) {
            this.jwks = Objects.requireNonNull(options, "jwks");
            return this;
        }

        /**
         * A JWKS endpoint with the default options ({@link JwksOptions#of}): {@code https}, or
         * {@code http} on a loopback address.
         *
         * @param uri the JWKS endpoint
         * @return this builder
         * @throws IllegalArgumentException for another URI
         */
        public Builder jwksUri(URI uri) {
            return jwks(JwksOptions.of(Objects.requireNonNull(uri, "jwksUri")));
        }

        boolean isEmpty() {
            return hmacSecret == null && keys.isEmpty() && jwks == null;
        }

        /**
         * @return the keys, immutable
         * @throws IllegalArgumentException naming the option at fault
         */
        public TrustedKeys build() {
            List<ConfiguredKey> configured = new ArrayList<>(keys);
            if (hmacSecret != null) {
                if (hmacSecret.length < 32) {
                    throw new IllegalArgumentException("hmacSecret: must be at least 32 bytes (256 bits), was "
                            + hmacSecret.length);
                }
                configured.add(new ConfiguredKey("hmacSecret", new OctetSequenceKey.Builder(hmacSecret).build()));
            }
            if (configured.isEmpty() && jwks == null) {
                throw new IllegalArgumentException(
                        "no key configured: set hmacSecret, publicKey, publicKeyPem, jwk, jwkSet or jwksUri");
            }
            List<VerificationKey> verificationKeys = new ArrayList<>();
            for (ConfiguredKey key : configured) {
                try {
                    verificationKeys.add(VerificationKey.of(key.jwk()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(key.option() + ": " + e.getMessage());
                }
            }
            return new TrustedKeys(configured, verificationKeys, jwks, hmacSecret == null ? -1 : hmacSecret.length);
        }
    }
}
