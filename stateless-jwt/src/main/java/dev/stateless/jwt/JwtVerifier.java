package dev.stateless.jwt;

import static dev.stateless.core.token.TokenVerificationException.Reason.BAD_SIGNATURE;
import static dev.stateless.core.token.TokenVerificationException.Reason.MALFORMED;
import static dev.stateless.core.token.TokenVerificationException.Reason.REVOKED;
import static dev.stateless.core.token.TokenVerificationException.Reason.UNSUPPORTED_ALGORITHM;
import static dev.stateless.core.token.TokenVerificationException.Reason.UNTRUSTED_ISSUER;
import static dev.stateless.core.token.TokenVerificationException.Reason.WRONG_TYPE;
import static dev.stateless.jwt.Jws.refuse;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.metrics.Meters;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.core.token.VerifiedToken;
import dev.stateless.jwt.TrustedKeys.ConfiguredKey;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TokenVerifier} for signed JWTs (compact JWS), stricter than Nimbus' defaults.
 *
 * <p>One verification, in order: the length cap (before anything is parsed); exactly three strict
 * base64url parts; a strict JSON header (no duplicate members, bounded nesting, no {@code crit},
 * {@code b64}, {@code zip} or {@code enc}); an allowed algorithm ({@code none} never is); where several
 * issuers are trusted, the issuer's keys, by the {@code iss} of the strictly parsed claims; one key of
 * that issuer chosen by {@code kid} whose type fits the algorithm; the signature; the {@code typ}; only
 * then the claims, checked for types, presence, time, issuer and audience; last the revocation list.
 * Key headers in the token ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c}) are ignored and never
 * fetched: keys come from configuration only.
 *
 * <p>Key choice: a token that names a {@code kid} is checked with the key of that id; when no key has
 * that id, with the one key configured without an id (such as the HMAC secret), if there is exactly
 * one that fits. A token without {@code kid} is checked against the one key that fits its algorithm;
 * when several could, it is refused ({@code BAD_SIGNATURE}) rather than tried against each. A signature
 * is never checked against more than one key, nor against another issuer's keys.
 *
 * <p>With cached keys a verification does no I/O, except the revocation check when a revocation list
 * is configured. Immutable and thread-safe; build one per configuration and share it.
 */
public final class JwtVerifier implements TokenVerifier {

    private static final Logger log = LoggerFactory.getLogger(JwtVerifier.class);

    /** The one issuer's (or any issuer's) keys; null when keys are chosen by issuer. */
    private final KeySelector keys;
    /** Keys by issuer, where two or more issuers are trusted; else null. */
    private final Map<String, KeySelector> keysByIssuer;
    private final Set<JWSAlgorithm> allowed;
    private final Map<JWSAlgorithm, JWSHeader> headers;
    private final Set<String> acceptedTypes;
    private final int maxTokenSize;
    private final boolean requireLowS;
    private final ClaimChecks claims;
    private final RevocationList revocationList;
    private final Meters.Operation verifications;
    private final boolean metered;

    private JwtVerifier(Builder b, Map<String, TrustedKeys> keySets, Set<JWSAlgorithm> allowed,
            Set<String> acceptedTypes, ClaimChecks claims) {
        if (keySets.size() > 1) {
            Map<String, KeySelector> byIssuer = new LinkedHashMap<>();
            keySets.forEach((issuer, keys) -> byIssuer.put(issuer, new KeySelector(keys, b.clock)));
            this.keysByIssuer = Map.copyOf(byIssuer);
            this.keys = null;
        } else {
            this.keysByIssuer = null;
            this.keys = new KeySelector(keySets.values().iterator().next(), b.clock);
        }
        this.allowed = Set.copyOf(allowed);
        Map<JWSAlgorithm, JWSHeader> headers = new HashMap<>();
        allowed.forEach(alg -> headers.put(alg, new JWSHeader(alg)));
        this.headers = Map.copyOf(headers);
        this.acceptedTypes = Set.copyOf(acceptedTypes);
        this.maxTokenSize = b.maxTokenSize;
        this.requireLowS = b.requireLowS;
        this.claims = claims;
        this.revocationList = b.revocationList;
        Meters meters = Meters.of(b.meterRegistry);
        this.metered = meters.enabled();
        this.verifications = meters.operation("stateless.token.verify", "Token verifications, by outcome");
        log.info("{}", this);
    }

    /**
     * Starts the configuration of a verifier; its keys must be given.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@inheritDoc}
     *
     * @throws StoreUnavailableException when a configured revocation list cannot be reached
     */
    @Override
    public VerifiedToken verify(String token) {
        Objects.requireNonNull(token, "token");
        return verifications.call(() -> verifyUnmetered(token), accepted -> "accepted");
    }

    private VerifiedToken verifyUnmetered(String token) {
        VerifiedToken verified;
        try {
            verified = check(token);
        } catch (TokenVerificationException e) {
            throw e;
        } catch (RuntimeException e) {
            // A parser or provider failed in a way not foreseen above. The cause is dropped on purpose:
            // its message may quote the token.
            throw refuse(MALFORMED, "token could not be processed (" + e.getClass().getSimpleName() + ")");
        }
        if (revocationList != null && revocationList.isRevoked(verified)) {
            throw refuse(REVOKED, "token was revoked");
        }
        return verified;
    }

    /**
     * Revokes a token this verifier accepted, on its revocation list, until the token's {@code exp}
     * plus this verifier's clock skew (the last instant it would accept the token), or forever for a
     * token without {@code exp}.
     *
     * @throws UnsupportedOperationException when no revocation list is configured
     * @throws IllegalArgumentException when the token has no {@code jti}
     * @throws StoreUnavailableException when the revocation list cannot be reached
     */
    @Override
    public void revoke(VerifiedToken token) {
        Objects.requireNonNull(token, "token");
        if (revocationList == null) {
            throw new UnsupportedOperationException("this JwtVerifier has no revocation list");
        }
        revocationList.revoke(token, claims.clockSkew());
    }

    private VerifiedToken check(String token) {
        Jws jws = Jws.parse(token, maxTokenSize);
        if (!allowed.contains(jws.algorithm())) {
            throw refuse(UNSUPPORTED_ALGORITHM, "token algorithm " + jws.algorithm().getName() + " is not allowed");
        }
        Map<String, Object> parsed = null;
        KeySelector selector = keys;
        if (keysByIssuer != null) {
            parsed = parseClaims(jws);
            String issuer = ClaimChecks.stringClaim(parsed, "iss");
            if (issuer == null) {
                throw ClaimChecks.missing("iss");
            }
            selector = keysByIssuer.get(issuer);
            if (selector == null) {
                throw refuse(UNTRUSTED_ISSUER, "token issuer is not trusted");
            }
        }
        VerificationKey key = selector.select(jws);
        byte[] signature = jws.signature().decode();
        if (signature.length == 0 || !signatureMatches(key, jws)) {
            throw refuse(BAD_SIGNATURE, "token signature does not match the trusted key");
        }
        if (requireLowS && Ecdsa.isHighS(jws.algorithm(), signature)) {
            throw refuse(BAD_SIGNATURE, "token signature is the high-S form of an ECDSA signature, which is not accepted");
        }
        checkType(jws.type());
        return claims.check(parsed != null ? parsed : parseClaims(jws));
    }

    private static Map<String, Object> parseClaims(Jws jws) {
        return StrictJson.CLAIMS.parseObject(jws.payload())
                .orElseThrow(() -> refuse(MALFORMED, "token claims are not a strict JSON object"));
    }

    private boolean signatureMatches(VerificationKey key, Jws jws) {
        try {
            return key.verifier().verify(headers.get(jws.algorithm()), jws.signingInput(), jws.signature());
        } catch (JOSEException e) {
            return false;
        }
    }

    private void checkType(String type) {
        if (acceptedTypes.isEmpty()) {
            if (type != null && !Jws.normalizeType(type).equals("jwt")) {
                throw refuse(WRONG_TYPE, "token type is not JWT");
            }
        } else if (type == null || !acceptedTypes.contains(Jws.normalizeType(type))) {
            throw refuse(WRONG_TYPE, "token type is not one of " + String.join(", ", acceptedTypes));
        }
    }

    @Override
    public String toString() {
        return "JwtVerifier[algorithms=" + allowed + ", "
                + (keys != null ? keys : "issuers=" + keysByIssuer) + ", " + claims
                + ", revocationList=" + (revocationList == null ? "none" : revocationList)
                + ", metrics=" + (metered ? "on" : "off") + "]";
    }

    /**
     * Configuration of a {@link JwtVerifier}. At least one key source is required: keys set on this
     * builder (trusted for its one {@link #issuers issuer}, or for any issuer when none is set), or
     * keys per issuer with {@link #issuer(String, TrustedKeys)}. Values are checked by {@link #build()},
     * which names the option at fault. Not thread-safe.
     */
    public static final class Builder {

        private final TrustedKeys.Builder keys = TrustedKeys.builder();
        private final Map<String, TrustedKeys> issuerKeys = new LinkedHashMap<>();
        private List<String> algorithms;
        private List<String> issuers = List.of();
        private List<String> audiences = List.of();
        private boolean requireExpiration = true;
        private Duration clockSkew = Duration.ofSeconds(60);
        private List<String> requiredClaims = List.of();
        private List<String> acceptedTypes;
        private boolean accessTokenProfile;
        private int maxTokenSize = 8192;
        private RevocationList revocationList;
        private boolean allowTokensWithoutId;
        private boolean requireLowS;
        private List<String> rolesClaims = List.of("roles", "scope");
        private Clock clock = Clock.systemUTC();
        private MeterRegistry meterRegistry;

        private Builder() {
        }

        /**
         * Records {@code stateless.token.verify} (a timer tagged {@code outcome}: {@code accepted} or
         * the refusal's reason) into {@code registry}; see the module's README. Micrometer is an
         * optional dependency: without this call nothing needs it.
         *
         * @param registry where the meters go
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * {@link TrustedKeys.Builder#hmacSecret}: a shared secret of at least 32 bytes, without key id.
         *
         * @param secret at least 32 bytes; copied
         * @return this builder
         */
        public Builder hmacSecret(byte[] secret) {
            keys.hmacSecret(secret);
            return this;
        }

        /**
         * {@link TrustedKeys.Builder#publicKey}: an RSA, EC or Ed25519 public key under a key id.
         *
         * @param kid the key id tokens name in {@code kid}
         * @param key the public key
         * @return this builder
         */
        public Builder publicKey(String kid, PublicKey key) {
            keys.publicKey(kid, key);
            return this;
        }

        /**
         * {@link TrustedKeys.Builder#publicKeyPem}: a public key or certificate as PEM, under a key id.
         *
         * @param kid the key id tokens name in {@code kid}
         * @param pem a {@code PUBLIC KEY} or {@code CERTIFICATE} block
         * @return this builder
         */
        public Builder publicKeyPem(String kid, String pem) {
            keys.publicKeyPem(kid, pem);
            return this;
        }

        /**
         * {@link TrustedKeys.Builder#jwk}: a public key as a JWK.
         *
         * @param json the JSON text, public keys only
         * @return this builder
         */
        public Builder jwk(String json) {
            keys.jwk(json);
            return this;
        }

        /**
         * {@link TrustedKeys.Builder#jwkSet}: public keys as a JWK set.
         *
         * @param json the JSON text, public keys only
         * @return this builder
         */
        public Builder jwkSet(String json) {
            keys.jwkSet(json);
            return this;
        }

        /**
         * {@link TrustedKeys.Builder#jwks}: a JWKS endpoint with its fetch and cache options.
         *
         * @param options the endpoint and its fetch and cache options
         * @return this builder
         */
        public Builder jwks(JwksOptions options) {
            keys.jwks(options);
            return this;
        }

        /**
         * {@link TrustedKeys.Builder#jwksUri}: a JWKS endpoint with the default {@link JwksOptions}.
         *
         * @param uri the JWKS endpoint
         * @return this builder
         * @throws IllegalArgumentException when it is not {@code https} (or {@code http} on loopback)
         */
        public Builder jwksUri(URI uri) {
            keys.jwksUri(uri);
            return this;
        }

        /**
         * The algorithms accepted, e.g. {@code "RS256", "ES256"}; {@code none} can never be. Default:
         * what the keys imply (HS256 for the HMAC secret, RS256 for RSA, ES256/384/512 by EC curve,
         * EdDSA for Ed25519, or the algorithm a JWK declares; for a JWKS endpoint RS256, ES256, ES384,
         * ES512 and EdDSA). Whatever the list, a key only verifies the algorithms of its type.
         *
         * @param algorithms JWS algorithm names
         * @return this builder
         */
        public Builder algorithms(String... algorithms) {
            this.algorithms = List.of(algorithms);
            return this;
        }

        /**
         * The one trusted issuer of the keys configured on this builder (or, with {@link #issuer(String,
         * TrustedKeys)}, nothing: the issuers are those given keys). When set, {@code iss} is required and
         * must match exactly. Several issuers here are refused: each needs its own keys, so that one
         * issuer's key never verifies a token that claims another's {@code iss}.
         *
         * @param issuers at most one issuer
         * @return this builder
         */
        public Builder issuers(String... issuers) {
            this.issuers = List.of(issuers);
            return this;
        }

        /**
         * Trusts an issuer with its own keys: a token claiming {@code iss = issuer} is verified with
         * these keys only, and these keys verify no other issuer's tokens. With two or more issuers the
         * claims are parsed (strictly, bounded by {@link #maxTokenSize}) before the signature is checked,
         * to read {@code iss}; nothing else in them is trusted before the signature holds. With two or
         * more, {@link VerifiedToken#principal()} is {@code iss + "#" + sub} (an issuer may then not
         * contain {@code #}), so two issuers' users of the same {@code sub} are two users. Excludes keys
         * and {@link #issuers} set on this builder itself.
         *
         * @param issuer the exact {@code iss} value
         * @param keys the keys of that issuer only
         * @return this builder
         */
        public Builder issuer(String issuer, TrustedKeys keys) {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(keys, "keys");
            if (issuerKeys.putIfAbsent(issuer, keys) != null) {
                throw new IllegalArgumentException("issuer: '" + issuer + "' is given keys twice");
            }
            return this;
        }

        /**
         * This service's audience names; when set, {@code aud} is required and must contain one.
         *
         * @param audiences this service's names
         * @return this builder
         */
        public Builder audiences(String... audiences) {
            this.audiences = List.of(audiences);
            return this;
        }

        /**
         * Whether {@code exp} is required. Default true.
         *
         * @param require whether it is required
         * @return this builder
         */
        public Builder requireExpiration(boolean require) {
            this.requireExpiration = require;
            return this;
        }

        /**
         * Tolerance for clocks that disagree, applied to {@code exp}, {@code nbf} and {@code iat}. Default 60
         * s.
         *
         * @param skew zero or more
         * @return this builder
         */
        public Builder clockSkew(Duration skew) {
            this.clockSkew = Objects.requireNonNull(skew, "clockSkew");
            return this;
        }

        /**
         * Claims that must be present and not null ({@code sub} always is).
         *
         * @param claims claim names
         * @return this builder
         */
        public Builder requiredClaims(String... claims) {
            this.requiredClaims = List.of(claims);
            return this;
        }

        /**
         * The accepted {@code typ} header values, e.g. {@code "at+jwt"}; compared case-insensitively,
         * with the {@code application/} prefix optional. When set, {@code typ} is required. Default: no
         * {@code typ} or {@code JWT}.
         *
         * @param types {@code typ} values
         * @return this builder
         */
        public Builder acceptedTypes(String... types) {
            this.acceptedTypes = List.of(types);
            return this;
        }

        /**
         * OAuth 2.0 access tokens per RFC 9068: {@code typ} {@code at+jwt} (unless
         * {@link #acceptedTypes} says otherwise), and {@code iss}, {@code exp}, {@code aud}, {@code sub},
         * {@code client_id}, {@code iat}, {@code jti} required. {@link #issuers} and {@link #audiences}
         * must be set.
         *
         * @return this builder
         */
        public Builder accessTokenProfile() {
            this.accessTokenProfile = true;
            return this;
        }

        /**
         * The longest token accepted, in characters, checked before any parsing. Default 8192.
         *
         * @param characters at least 1
         * @return this builder
         */
        public Builder maxTokenSize(int characters) {
            this.maxTokenSize = characters;
            return this;
        }

        /**
         * Refuses tokens on this list ({@code REVOKED}, by {@code iss} and {@code jti}), checked after the
         * signature and the claims; {@link JwtVerifier#revoke} puts a token on it for as long as this
         * verifier would accept it ({@code exp} plus {@link #clockSkew}). A token without {@code jti}
         * could never be revoked, so with a list {@code jti} is required ({@code MISSING_CLAIM}) unless
         * {@link #allowTokensWithoutId()}. The list's {@link StoreUnavailableException} propagates from
         * {@link JwtVerifier#verify}.
         *
         * @param revocationList the list, which the caller keeps and closes
         * @return this builder
         */
        public Builder revocationList(RevocationList revocationList) {
            this.revocationList = Objects.requireNonNull(revocationList, "revocationList");
            return this;
        }

        /**
         * With a {@link #revocationList}, accepts tokens without {@code jti} too, which can then never
         * be revoked (a logout does not end them before {@code exp}). Only for issuers that cannot add
         * {@code jti}; off by default.
         *
         * @return this builder
         */
        public Builder allowTokensWithoutId() {
            this.allowTokensWithoutId = true;
            return this;
        }

        /**
         * Refuses ECDSA (ES256, ES384, ES512) signatures whose {@code s} is above half the curve order
         * ({@code BAD_SIGNATURE}), so that a token has one valid signature, not two ({@code s} and
         * {@code n - s} both verify). Off by default: most issuers (the JDK, OpenSSL, Go) produce
         * high-S signatures half of the time, and nothing in this library depends on a token's bytes
         * (revocation works on {@code iss} and {@code jti}). Turn it on when every issuer produces
         * low-S signatures, as {@link JwtIssuer} does, and something keys on the token string.
         *
         * @param require whether it is required
         * @return this builder
         */
        public Builder requireLowS(boolean require) {
            this.requireLowS = require;
            return this;
        }

        /**
         * Claims that grant roles, each a JSON array of strings or a space-separated string (like
         * {@code scope}); their union becomes {@link VerifiedToken#roles()}. Default {@code roles}
         * and {@code scope}.
         *
         * @param claims claim names
         * @return this builder
         */
        public Builder rolesClaims(String... claims) {
            this.rolesClaims = List.of(claims);
            return this;
        }

        /**
         * The clock for {@code exp}, {@code nbf}, {@code iat} and the JWKS cache. Default system UTC.
         *
         * @param clock the clock; tests pass one they move by hand
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Makes the verifier as configured.
         *
         * @return the verifier, thread-safe
         * @throws IllegalArgumentException naming the first option at fault
         * @throws IllegalStateException when the Nimbus JOSE+JWT on the classpath is older than 9.37
         */
        public JwtVerifier build() {
            NimbusRuntime.check();
            Map<String, TrustedKeys> keySets = keySets();
            Set<JWSAlgorithm> allowed = allowedAlgorithms(List.copyOf(keySets.values()));
            requireNames("audiences", audiences);
            requireNames("requiredClaims", requiredClaims);
            requireNames("rolesClaims", rolesClaims);
            if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("clockSkew: must be between 0 and 1 hour, was " + clockSkew);
            }
            if (maxTokenSize < 256 || maxTokenSize > 1024 * 1024) {
                throw new IllegalArgumentException("maxTokenSize: must be between 256 and 1048576 characters, was "
                        + maxTokenSize);
            }
            if (allowTokensWithoutId && revocationList == null) {
                throw new IllegalArgumentException("allowTokensWithoutId: only applies with a revocationList");
            }
            Set<String> types = new LinkedHashSet<>();
            if (acceptedTypes != null) {
                requireNames("acceptedTypes", acceptedTypes);
                acceptedTypes.forEach(t -> types.add(Jws.normalizeType(t)));
            }
            Set<String> trusted = keySets.keySet().contains(null) ? Set.of() : keySets.keySet();
            List<String> required = new ArrayList<>(requiredClaims);
            if (accessTokenProfile) {
                if (trusted.isEmpty()) {
                    throw new IllegalArgumentException("accessTokenProfile: issuers must be set (RFC 9068 section 4)");
                }
                if (audiences.isEmpty()) {
                    throw new IllegalArgumentException("accessTokenProfile: audiences must be set (RFC 9068 section 4)");
                }
                if (!requireExpiration) {
                    throw new IllegalArgumentException("requireExpiration: the access token profile requires exp");
                }
                if (acceptedTypes == null) {
                    types.add("at+jwt");
                }
                required.addAll(List.of("iss", "exp", "aud", "sub", "client_id", "iat", "jti"));
            }
            if (revocationList != null && !allowTokensWithoutId) {
                required.add("jti"); // a token without jti could never be revoked
            }
            ClaimChecks checks = new ClaimChecks(trusted, keySets.size() > 1, Set.copyOf(audiences), requireExpiration,
                    clockSkew, List.copyOf(new LinkedHashSet<>(required)), rolesClaims, clock);
            return new JwtVerifier(this, keySets, allowed, types, checks);
        }

        /** The keys by trusted issuer; one entry under null when keys are trusted for any issuer. */
        private Map<String, TrustedKeys> keySets() {
            requireNames("issuers", issuers);
            Map<String, TrustedKeys> sets = new LinkedHashMap<>();
            if (!issuerKeys.isEmpty()) {
                if (!keys.isEmpty()) {
                    throw new IllegalArgumentException("issuer: keys are also set outside issuer(...), where they would "
                            + "verify every issuer's tokens; give each key to its issuer");
                }
                if (!issuers.isEmpty()) {
                    throw new IllegalArgumentException("issuers: with issuer(...), the trusted issuers are those given "
                            + "keys; do not also set issuers");
                }
                requireNames("issuer", List.copyOf(issuerKeys.keySet()));
                if (issuerKeys.size() > 1) {
                    for (String issuer : issuerKeys.keySet()) {
                        if (issuer.contains("#")) {
                            throw new IllegalArgumentException("issuer: '" + issuer + "' contains '#', which separates "
                                    + "issuer and subject in the principal name where several issuers are trusted");
                        }
                    }
                }
                sets.putAll(issuerKeys);
                return sets;
            }
            if (issuers.size() > 1) {
                throw new IllegalArgumentException("issuers: several trusted issuers need their own keys, so that one "
                        + "issuer's key never verifies a token claiming another's iss: use issuer(iss, keys) for each");
            }
            TrustedKeys all = keys.build();
            sets.put(issuers.isEmpty() ? null : issuers.get(0), all);
            return sets;
        }

        private Set<JWSAlgorithm> allowedAlgorithms(List<TrustedKeys> keySets) {
            List<ConfiguredKey> configured = keySets.stream().flatMap(k -> k.configured().stream()).toList();
            boolean jwksUri = keySets.stream().anyMatch(k -> k.jwks() != null);
            int hmacSecret = keySets.stream().mapToInt(TrustedKeys::hmacSecretLength).max().orElse(-1);
            Set<JWSAlgorithm> allowed = new LinkedHashSet<>();
            if (algorithms == null) {
                for (ConfiguredKey key : configured) {
                    allowed.add(Algorithms.defaultFor(key.jwk()).orElseThrow());
                }
                if (jwksUri) {
                    allowed.addAll(Algorithms.JWKS_DEFAULTS);
                }
                return allowed;
            }
            if (algorithms.isEmpty()) {
                throw new IllegalArgumentException("algorithms: must name at least one algorithm");
            }
            for (String name : algorithms) {
                Objects.requireNonNull(name, "algorithms");
                if (Algorithms.isNone(name)) {
                    throw new IllegalArgumentException("algorithms: 'none' is never allowed");
                }
                JWSAlgorithm alg = Algorithms.byName(name).orElseThrow(() -> new IllegalArgumentException(
                        "algorithms: '" + name + "' is not supported (supported: " + Algorithms.supportedNames() + ")"));
                boolean keyFits = configured.stream().anyMatch(k -> Algorithms.fits(k.jwk(), alg))
                        || jwksUri && !Algorithms.isHmac(alg);
                if (!keyFits) {
                    if (Algorithms.isHmac(alg) && hmacSecret >= 0) {
                        throw new IllegalArgumentException("hmacSecret: " + alg.getName() + " needs at least "
                                + Algorithms.minHmacBytes(alg) + " bytes, was " + hmacSecret);
                    }
                    throw new IllegalArgumentException("algorithms: no configured key can verify " + alg.getName());
                }
                allowed.add(alg);
            }
            for (ConfiguredKey key : configured) {
                if (allowed.stream().noneMatch(alg -> Algorithms.fits(key.jwk(), alg))) {
                    throw new IllegalArgumentException(key.option() + ": the key fits none of the allowed algorithms");
                }
            }
            return allowed;
        }

        private static void requireNames(String option, List<String> names) {
            for (String name : names) {
                if (name == null || name.isBlank()) {
                    throw new IllegalArgumentException(option + ": values must not be null or blank");
                }
            }
        }
    }
}
