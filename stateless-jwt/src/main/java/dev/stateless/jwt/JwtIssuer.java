package dev.stateless.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Mints signed JWTs that a {@link JwtVerifier} accepts: for services that issue their own tokens, for
 * tests and for the examples. Every token carries {@code sub}, {@code jti} (a random UUID), {@code iat},
 * {@code exp} and, when configured, {@code iss} and {@code aud}. Immutable and thread-safe.
 */
public final class JwtIssuer {

    private static final Set<String> SET_BY_ISSUER = Set.of("sub", "jti", "iat", "exp", "iss", "aud");

    private final JWSSigner signer;
    private final JWSHeader header;
    private final JWK publicJwk;
    private final String issuer;
    private final List<String> audience;
    private final Duration lifetime;
    private final Clock clock;

    private JwtIssuer(JWSSigner signer, JWSHeader header, JWK publicJwk, Builder b) {
        this.signer = signer;
        this.header = header;
        this.publicJwk = publicJwk;
        this.issuer = b.issuer;
        this.audience = List.copyOf(b.audience);
        this.lifetime = b.lifetime;
        this.clock = b.clock;
    }

    /**
     * Starts the configuration of an issuer; a signing key must be given.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A token for this subject with no claims beyond the standard ones.
     *
     * @param subject the {@code sub} claim
     * @return the signed token, compact
     */
    public String issue(String subject) {
        return issue(subject, Map.of());
    }

    /**
     * A token for this subject.
     *
     * @param subject the {@code sub} claim
     * @param claims further claims: strings, numbers, booleans, and lists and maps of those; not the
     *     ones the issuer sets ({@code sub}, {@code jti}, {@code iat}, {@code exp}, {@code iss}, {@code aud})
     * @return the signed token, compact
     * @throws IllegalArgumentException when a claim collides with a standard one or is not a JSON value
     */
    public String issue(String subject, Map<String, ?> claims) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(claims, "claims");
        if (subject.isEmpty()) {
            throw new IllegalArgumentException("subject: must not be empty");
        }
        JWTClaimsSet.Builder set = new JWTClaimsSet.Builder();
        claims.forEach((name, value) -> {
            if (name == null) {
                throw new IllegalArgumentException("claims: a claim name is null");
            }
            if (SET_BY_ISSUER.contains(name)) {
                throw new IllegalArgumentException("claims: '" + name + "' is set by the issuer");
            }
            requireJsonValue(name, value);
            set.claim(name, value);
        });
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        set.subject(subject)
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)));
        if (issuer != null) {
            set.issuer(issuer);
        }
        if (!audience.isEmpty()) {
            set.audience(audience);
        }
        SignedJWT jwt = new SignedJWT(header, set.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed (" + e.getClass().getSimpleName() + ")", e);
        }
        String compact = jwt.serialize();
        if (Ecdsa.isEcdsa(header.getAlgorithm())) {
            // always the low-S one of the two valid ECDSA signatures, so verifiers may insist on it (requireLowS)
            byte[] signature = jwt.getSignature().decode();
            byte[] low = Ecdsa.toLowS(header.getAlgorithm(), signature);
            if (low != signature) {
                compact = compact.substring(0, compact.lastIndexOf('.') + 1) + Base64URL.encode(low);
            }
        }
        return compact;
    }

    /**
     * The public key as a JWK set (JSON, with {@code kid}, {@code use=sig} and {@code alg}), to serve
     * at a JWKS endpoint or to give a {@link JwtVerifier.Builder#jwkSet(String)}.
     *
     * @return the public keys as a JWK set, for a JWKS endpoint (empty for an HMAC secret)
     * @throws IllegalStateException for an HMAC issuer, which has no public key
     */
    public String publicJwkSet() {
        if (publicJwk == null) {
            throw new IllegalStateException("an HMAC issuer has no public key to publish");
        }
        return new JWKSet(publicJwk).toString();
    }

    /**
     * The signing algorithm, e.g. {@code RS256}.
     *
     * @return the JWS algorithm this issuer signs with
     */
    public String algorithm() {
        return header.getAlgorithm().getName();
    }

    private static void requireJsonValue(String name, Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return;
        }
        if (value instanceof Collection<?> list) {
            list.forEach(v -> requireJsonValue(name, v));
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                if (!(k instanceof String)) {
                    throw new IllegalArgumentException("claims: '" + name + "' has a map key that is not a string");
                }
                requireJsonValue(name, v);
            });
            return;
        }
        throw new IllegalArgumentException("claims: '" + name + "' is a " + value.getClass().getSimpleName()
                + ", not a JSON value (string, number, boolean, list, map)");
    }

    @Override
    public String toString() {
        return "JwtIssuer[" + algorithm() + (header.getKeyID() == null ? "" : ", kid=" + header.getKeyID()) + "]";
    }

    /** Configuration of a {@link JwtIssuer}: exactly one signing key. Checked by {@link #build()}. Not thread-safe. */
    public static final class Builder {

        private final List<String> keyOptions = new ArrayList<>();
        private byte[] hmacSecret;
        private JWK signingKey;
        private String algorithm;
        private String issuer;
        private List<String> audience = List.of();
        private Duration lifetime = Duration.ofMinutes(15);
        private String type;
        private String keyId;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * Signs with HMAC (HS256 by default); at least 32 bytes of random.
         *
         * @param secret at least 32 bytes; copied
         * @return this builder
         */
        public Builder hmacSecret(byte[] secret) {
            this.hmacSecret = Objects.requireNonNull(secret, "hmacSecret").clone();
            keyOptions.add("hmacSecret");
            return this;
        }

        /**
         * Signs with an RSA key pair (RS256 by default), 2048 bits or more.
         *
         * @param pair the key pair; its private key signs
         * @return this builder
         */
        public Builder rsaKey(KeyPair pair) {
            Objects.requireNonNull(pair, "rsaKey");
            if (!(pair.getPublic() instanceof RSAPublicKey pub)) {
                throw new IllegalArgumentException("rsaKey: not an RSA key pair");
            }
            return rsaKey(new RSAKey.Builder(pub).privateKey(pair.getPrivate()).build());
        }

        /**
         * Signs with an RSA JWK holding the private key (RS256 by default); its {@code kid} is used unless
         * {@link #keyId} is set.
         *
         * @param key the JWK holding the private key
         * @return this builder
         */
        public Builder rsaKey(RSAKey key) {
            this.signingKey = Objects.requireNonNull(key, "rsaKey");
            keyOptions.add("rsaKey");
            return this;
        }

        /**
         * Signs with an EC key pair on P-256 (ES256), P-384 (ES384) or P-521 (ES512).
         *
         * @param pair the key pair; its private key signs
         * @return this builder
         */
        public Builder ecKey(KeyPair pair) {
            Objects.requireNonNull(pair, "ecKey");
            if (!(pair.getPublic() instanceof ECPublicKey pub)) {
                throw new IllegalArgumentException("ecKey: not an EC key pair");
            }
            Curve curve = Curve.forECParameterSpec(pub.getParams());
            if (curve == null) {
                throw new IllegalArgumentException("ecKey: unsupported curve");
            }
            return ecKey(new ECKey.Builder(curve, pub).privateKey(pair.getPrivate()).build());
        }

        /**
         * Signs with an EC JWK holding the private key; its {@code kid} is used unless {@link #keyId} is set.
         *
         * @param key the JWK holding the private key
         * @return this builder
         */
        public Builder ecKey(ECKey key) {
            this.signingKey = Objects.requireNonNull(key, "ecKey");
            keyOptions.add("ecKey");
            return this;
        }

        /**
         * Signs with an Ed25519 JWK holding the private key (EdDSA); its {@code kid} is used unless {@link
         * #keyId} is set.
         *
         * @param key the JWK holding the private key
         * @return this builder
         */
        public Builder ed25519Key(OctetKeyPair key) {
            this.signingKey = Objects.requireNonNull(key, "ed25519Key");
            keyOptions.add("ed25519Key");
            return this;
        }

        /**
         * HS256, RS256, ES256, EdDSA (or another the key fits). Default: the key's usual algorithm.
         *
         * @param algorithm a JWS algorithm name that fits the key ({@code RS256}, {@code ES256}, ...)
         * @return this builder
         */
        public Builder algorithm(String algorithm) {
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            return this;
        }

        /**
         * The {@code iss} claim. Default none.
         *
         * @param issuer the {@code iss} claim
         * @return this builder
         */
        public Builder issuer(String issuer) {
            this.issuer = Objects.requireNonNull(issuer, "issuer");
            return this;
        }

        /**
         * The {@code aud} claim: one value becomes a string, several an array. Default none.
         *
         * @param audience the {@code aud} values
         * @return this builder
         */
        public Builder audience(String... audience) {
            this.audience = List.of(audience);
            return this;
        }

        /**
         * Time from {@code iat} to {@code exp}. Default 15 minutes.
         *
         * @param lifetime positive
         * @return this builder
         */
        public Builder lifetime(Duration lifetime) {
            this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
            return this;
        }

        /**
         * The {@code typ} header, e.g. {@code at+jwt} for RFC 9068 access tokens. Default none.
         *
         * @param type the {@code typ} header, e.g. {@code at+jwt}
         * @return this builder
         */
        public Builder type(String type) {
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /**
         * The {@code kid} header. Default: the JWK's key id, if any.
         *
         * @param keyId the {@code kid} header
         * @return this builder
         */
        public Builder keyId(String keyId) {
            this.keyId = Objects.requireNonNull(keyId, "keyId");
            return this;
        }

        /**
         * The clock for {@code iat} and {@code exp}. Default system UTC.
         *
         * @param clock the clock; tests pass one they move by hand
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Makes the issuer as configured.
         *
         * @return the issuer, thread-safe
         * @throws IllegalArgumentException naming the first option at fault
         * @throws IllegalStateException when the Nimbus JOSE+JWT on the classpath is older than 9.37
         */
        public JwtIssuer build() {
            NimbusRuntime.check();
            if (keyOptions.isEmpty()) {
                throw new IllegalArgumentException("no signing key: set hmacSecret, rsaKey, ecKey or ed25519Key");
            }
            if (keyOptions.size() > 1) {
                throw new IllegalArgumentException(keyOptions.get(1) + ": only one signing key may be set, "
                        + keyOptions.get(0) + " already is");
            }
            String option = keyOptions.get(0);
            JWK key = signingKey;
            if (hmacSecret != null) {
                if (hmacSecret.length < 32) {
                    throw new IllegalArgumentException("hmacSecret: must be at least 32 bytes (256 bits), was "
                            + hmacSecret.length);
                }
                key = new OctetSequenceKey.Builder(hmacSecret).build();
            } else if (!key.isPrivate()) {
                throw new IllegalArgumentException(option + ": the private key is needed to sign");
            }
            JWSAlgorithm alg = algorithm(option, key);
            String kid = keyId != null ? keyId : key.getKeyID();
            if (kid != null && (kid.isEmpty() || kid.length() > Jws.MAX_KEY_ID_LENGTH)) {
                throw new IllegalArgumentException("keyId: must be 1 to " + Jws.MAX_KEY_ID_LENGTH + " characters");
            }
            if (lifetime.isNegative() || lifetime.isZero()) {
                throw new IllegalArgumentException("lifetime: must be positive, was " + lifetime);
            }
            if (issuer != null && issuer.isBlank()) {
                throw new IllegalArgumentException("issuer: must not be blank");
            }
            if (audience.stream().anyMatch(a -> a == null || a.isBlank())) {
                throw new IllegalArgumentException("audience: values must not be null or blank");
            }
            if (type != null && type.isBlank()) {
                throw new IllegalArgumentException("type: must not be blank");
            }
            JWSHeader.Builder header = new JWSHeader.Builder(alg).keyID(kid);
            if (type != null) {
                header.type(new JOSEObjectType(type));
            }
            return new JwtIssuer(signer(option, key), header.build(), publicJwk(key, kid, alg), this);
        }

        private JWSAlgorithm algorithm(String option, JWK key) {
            if (algorithm == null) {
                return Algorithms.defaultFor(key).orElseThrow(() -> new IllegalArgumentException(
                        option + ": key type or curve is not supported"));
            }
            if (Algorithms.isNone(algorithm)) {
                throw new IllegalArgumentException("algorithm: 'none' is never allowed");
            }
            JWSAlgorithm alg = Algorithms.byName(algorithm).orElseThrow(() -> new IllegalArgumentException(
                    "algorithm: '" + algorithm + "' is not supported (supported: " + Algorithms.supportedNames() + ")"));
            if (!Algorithms.fits(key, alg)) {
                throw new IllegalArgumentException("algorithm: " + alg.getName() + " does not fit the " + option);
            }
            return alg;
        }

        private static JWSSigner signer(String option, JWK key) {
            try {
                if (key instanceof OctetSequenceKey secret) {
                    return new MACSigner(secret);
                }
                if (key instanceof RSAKey rsa) {
                    if (rsa.size() < Algorithms.MIN_RSA_BITS) {
                        throw new IllegalArgumentException(option + ": RSA key has " + rsa.size()
                                + " bits, at least " + Algorithms.MIN_RSA_BITS + " are required");
                    }
                    return new RSASSASigner(rsa);
                }
                if (key instanceof ECKey ec) {
                    return new ECDSASigner(ec);
                }
                if (key instanceof OctetKeyPair okp) {
                    return Ed25519.signer(okp);
                }
            } catch (JOSEException e) {
                throw new IllegalArgumentException(option + ": the key cannot sign (" + e.getClass().getSimpleName() + ")");
            }
            throw new IllegalArgumentException(option + ": key type is not supported");
        }

        private static JWK publicJwk(JWK key, String kid, JWSAlgorithm alg) {
            if (key instanceof OctetSequenceKey) {
                return null;
            }
            Map<String, Object> json = new LinkedHashMap<>(key.toPublicJWK().toJSONObject());
            json.remove("kid");
            if (kid != null) {
                json.put("kid", kid);
            }
            json.put("use", "sig");
            json.put("alg", alg.getName());
            try {
                return JWK.parse(json);
            } catch (java.text.ParseException e) {
                throw new IllegalStateException("public JWK could not be built", e);
            }
        }
    }
}
