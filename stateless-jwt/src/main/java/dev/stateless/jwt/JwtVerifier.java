package dev.stateless.jwt;

import static dev.stateless.core.token.TokenVerificationException.Reason.BAD_SIGNATURE;
import static dev.stateless.core.token.TokenVerificationException.Reason.EXPIRED;
import static dev.stateless.core.token.TokenVerificationException.Reason.MALFORMED;
import static dev.stateless.core.token.TokenVerificationException.Reason.MISSING_CLAIM;
import static dev.stateless.core.token.TokenVerificationException.Reason.NOT_YET_VALID;
import static dev.stateless.core.token.TokenVerificationException.Reason.REVOKED;
import static dev.stateless.core.token.TokenVerificationException.Reason.UNSUPPORTED_ALGORITHM;
import static dev.stateless.core.token.TokenVerificationException.Reason.UNTRUSTED_ISSUER;
import static dev.stateless.core.token.TokenVerificationException.Reason.WRONG_AUDIENCE;
import static dev.stateless.core.token.TokenVerificationException.Reason.WRONG_TYPE;
import static dev.stateless.jwt.Jws.refuse;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.core.token.VerifiedToken;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link TokenVerifier} for signed JWTs (compact JWS), stricter than Nimbus' defaults.
 *
 * <p>One verification, in order: the length cap (before anything is parsed); exactly three strict
 * base64url parts; a strict JSON header (no duplicate members, bounded nesting, no {@code crit},
 * {@code b64}, {@code zip} or {@code enc}); an allowed algorithm ({@code none} never is); one trusted
 * key chosen by {@code kid} whose type fits the algorithm; the signature; the {@code typ}; only then
 * the claims, parsed strictly, checked for types, presence, time, issuer and audience; last the
 * revocation list. Key headers in the token ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c}) are
 * ignored and never fetched: keys come from configuration only.
 *
 * <p>Key choice: a token that names a {@code kid} is checked with the key of that id; when no key has
 * that id, with the one key configured without an id (such as the HMAC secret), if there is exactly
 * one that fits. A token without {@code kid} is checked against the one key that fits its algorithm;
 * when several could, it is refused ({@code BAD_SIGNATURE}) rather than tried against each. A signature
 * is never checked against more than one key.
 *
 * <p>With cached keys a verification does no I/O, except the revocation check when a revocation list
 * is configured. Immutable and thread-safe; build one per configuration and share it.
 */
public final class JwtVerifier implements TokenVerifier {

    /** The largest instant a time claim may hold: 9999-12-31T23:59:59Z. */
    private static final BigDecimal MAX_EPOCH_SECOND = BigDecimal.valueOf(253_402_300_799L);

    private final List<VerificationKey> staticKeys;
    private final JwksSource jwks;
    private final Set<JWSAlgorithm> allowed;
    private final Map<JWSAlgorithm, JWSHeader> headers;
    private final Set<String> issuers;
    private final Set<String> audiences;
    private final boolean requireExpiration;
    private final Duration clockSkew;
    private final List<String> requiredClaims;
    private final Set<String> acceptedTypes;
    private final int maxTokenSize;
    private final RevocationList revocationList;
    private final List<String> rolesClaims;
    private final Clock clock;

    private JwtVerifier(Builder b, List<VerificationKey> staticKeys, JwksSource jwks, Set<JWSAlgorithm> allowed,
            Set<String> acceptedTypes, List<String> requiredClaims) {
        this.staticKeys = List.copyOf(staticKeys);
        this.jwks = jwks;
        this.allowed = Set.copyOf(allowed);
        Map<JWSAlgorithm, JWSHeader> headers = new HashMap<>();
        allowed.forEach(alg -> headers.put(alg, new JWSHeader(alg)));
        this.headers = Map.copyOf(headers);
        this.issuers = Set.copyOf(b.issuers);
        this.audiences = Set.copyOf(b.audiences);
        this.requireExpiration = b.requireExpiration;
        this.clockSkew = b.clockSkew;
        this.requiredClaims = List.copyOf(requiredClaims);
        this.acceptedTypes = Set.copyOf(acceptedTypes);
        this.maxTokenSize = b.maxTokenSize;
        this.revocationList = b.revocationList;
        this.rolesClaims = List.copyOf(b.rolesClaims);
        this.clock = b.clock;
    }

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
        if (revocationList != null && verified.tokenId().isPresent()
                && revocationList.isRevoked(verified.tokenId().get())) {
            throw refuse(REVOKED, "token was revoked");
        }
        return verified;
    }

    private VerifiedToken check(String token) {
        Jws jws = Jws.parse(token, maxTokenSize);
        if (!allowed.contains(jws.algorithm())) {
            throw refuse(UNSUPPORTED_ALGORITHM, "token algorithm " + jws.algorithm().getName() + " is not allowed");
        }
        VerificationKey key = selectKey(jws);
        if (jws.signature().toString().isEmpty() || !signatureMatches(key, jws)) {
            throw refuse(BAD_SIGNATURE, "token signature does not match the trusted key");
        }
        checkType(jws.type());
        Map<String, Object> claims = StrictJson.CLAIMS.parseObject(jws.payload())
                .orElseThrow(() -> refuse(MALFORMED, "token claims are not a strict JSON object"));
        return checkClaims(claims);
    }

    private boolean signatureMatches(VerificationKey key, Jws jws) {
        try {
            return key.verifier().verify(headers.get(jws.algorithm()), jws.signingInput(), jws.signature());
        } catch (JOSEException e) {
            return false;
        }
    }

    /**
     * The one key to check the signature with: the key the token names (configured, cached, or after
     * one rate-limited JWKS refresh), else the single key without id that fits the algorithm.
     */
    private VerificationKey selectKey(Jws jws) {
        List<VerificationKey> remote = List.of();
        if (jws.keyId() != null) {
            VerificationKey key = named(staticKeys, jws);
            if (key != null) {
                return key;
            }
            if (jwks != null) {
                remote = jwks.keys();
                key = named(remote, jws);
                if (key == null) {
                    remote = jwks.keysAfterUnknownKey();
                    key = named(remote, jws);
                }
                if (key != null) {
                    return key;
                }
            }
        } else if (jwks != null) {
            try {
                remote = jwks.keys();
            } catch (TokenVerificationException e) {
                if (unnamed(staticKeys, jws).isEmpty()) {
                    throw e;
                }
            }
        }
        List<VerificationKey> candidates = new ArrayList<>(unnamed(staticKeys, jws));
        candidates.addAll(unnamed(remote, jws));
        if (candidates.size() > 1) {
            throw refuse(BAD_SIGNATURE, "token does not name one of the several keys (kid) that could verify it");
        }
        if (candidates.isEmpty()) {
            throw refuse(BAD_SIGNATURE, "no trusted key matches the token");
        }
        return candidates.get(0);
    }

    /** The key with the token's kid, or null; throws when it does not fit the algorithm or is not unique. */
    private static VerificationKey named(List<VerificationKey> keys, Jws jws) {
        List<VerificationKey> named = keys.stream().filter(k -> jws.keyId().equals(k.keyId())).toList();
        if (named.isEmpty()) {
            return null;
        }
        List<VerificationKey> fitting = named.stream().filter(k -> k.fits(jws.algorithm())).toList();
        if (fitting.isEmpty()) {
            throw refuse(UNSUPPORTED_ALGORITHM, "token algorithm " + jws.algorithm().getName()
                    + " does not fit the key it names");
        }
        if (fitting.size() > 1) {
            throw refuse(BAD_SIGNATURE, "token names a key id that several trusted keys share");
        }
        return fitting.get(0);
    }

    /** Keys that may check a token not matched by kid: all fitting keys without kid, or any fitting key if the token has none. */
    private static List<VerificationKey> unnamed(List<VerificationKey> keys, Jws jws) {
        return keys.stream()
                .filter(k -> jws.keyId() == null || k.keyId() == null)
                .filter(k -> k.fits(jws.algorithm()))
                .toList();
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

    private VerifiedToken checkClaims(Map<String, Object> claims) {
        String subject = stringClaim(claims, "sub");
        String issuer = stringClaim(claims, "iss");
        String tokenId = stringClaim(claims, "jti");
        List<String> audience = audienceClaim(claims);
        Optional<Instant> expiresAt = timeClaim(claims, "exp");
        Optional<Instant> notBefore = timeClaim(claims, "nbf");
        Optional<Instant> issuedAt = timeClaim(claims, "iat");

        if (subject == null || subject.isEmpty()) {
            throw missing("sub");
        }
        if (requireExpiration && expiresAt.isEmpty()) {
            throw missing("exp");
        }
        if (!issuers.isEmpty() && issuer == null) {
            throw missing("iss");
        }
        if (!audiences.isEmpty() && audience.isEmpty()) {
            throw missing("aud");
        }
        for (String name : requiredClaims) {
            if (claims.get(name) == null) {
                throw missing(name);
            }
        }
        for (String name : List.of("exp", "nbf", "iat")) {
            if (claims.containsKey(name) && claims.get(name) == null) {
                // not a NumericDate; read as absent it would lift a limit (exp when not required)
                throw refuse(MALFORMED, "token claim '" + name + "' is null");
            }
        }

        Instant now = clock.instant();
        if (expiresAt.isPresent() && !now.isBefore(expiresAt.get().plus(clockSkew))) {
            throw refuse(EXPIRED, "token has expired");
        }
        if (notBefore.isPresent() && now.plus(clockSkew).isBefore(notBefore.get())) {
            throw refuse(NOT_YET_VALID, "token is not valid yet (nbf)");
        }
        if (issuedAt.isPresent() && now.plus(clockSkew).isBefore(issuedAt.get())) {
            throw refuse(NOT_YET_VALID, "token was issued in the future (iat)");
        }
        if (!issuers.isEmpty() && !issuers.contains(issuer)) {
            throw refuse(UNTRUSTED_ISSUER, "token issuer is not trusted");
        }
        if (!audiences.isEmpty() && audience.stream().noneMatch(audiences::contains)) {
            throw refuse(WRONG_AUDIENCE, "token audience does not include this service");
        }
        return new VerifiedToken(subject, Optional.ofNullable(issuer), Optional.ofNullable(tokenId), expiresAt,
                roles(claims), frozen(claims));
    }

    private static TokenVerificationException missing(String name) {
        return refuse(MISSING_CLAIM, "token claim '" + name + "' is missing");
    }

    /** A claim that must be a string when present; null when absent or null. */
    private static String stringClaim(Map<String, Object> claims, String name) {
        Object value = claims.get(name);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw refuse(MALFORMED, "token claim '" + name + "' is not a string");
    }

    /** {@code aud}: one string or an array of strings (RFC 7519 4.1.3). */
    private static List<String> audienceClaim(Map<String, Object> claims) {
        Object value = claims.get("aud");
        if (value == null) {
            return List.of();
        }
        if (value instanceof String s) {
            return List.of(s);
        }
        if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw refuse(MALFORMED, "token claim 'aud' is not a string or an array of strings");
    }

    /** A NumericDate: a finite JSON number of seconds between 1970 and 9999; null counts as absent. */
    private static Optional<Instant> timeClaim(Map<String, Object> claims, String name) {
        Object value = claims.get(name);
        if (value == null) {
            return Optional.empty();
        }
        BigDecimal seconds;
        if (value instanceof Integer || value instanceof Long) {
            seconds = BigDecimal.valueOf(((Number) value).longValue());
        } else if (value instanceof BigInteger big) {
            seconds = new BigDecimal(big);
        } else if (value instanceof BigDecimal big) {
            seconds = big;
        } else if (value instanceof Double d && Double.isFinite(d)) {
            seconds = BigDecimal.valueOf(d);
        } else {
            throw refuse(MALFORMED, "token claim '" + name + "' is not a finite number");
        }
        if (seconds.signum() < 0 || seconds.compareTo(MAX_EPOCH_SECOND) > 0) {
            throw refuse(MALFORMED, "token claim '" + name + "' is out of range");
        }
        long whole = seconds.longValue();
        int nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).intValue();
        return Optional.of(Instant.ofEpochSecond(whole, nanos));
    }

    private Set<String> roles(Map<String, Object> claims) {
        Set<String> roles = new LinkedHashSet<>();
        for (String name : rolesClaims) {
            Object value = claims.get(name);
            if (value == null) {
                continue;
            }
            if (value instanceof String s) {
                Arrays.stream(s.split(" ")).filter(r -> !r.isEmpty()).forEach(roles::add);
            } else if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
                list.forEach(r -> roles.add((String) r));
            } else {
                throw refuse(MALFORMED, "token claim '" + name + "' is not a string or an array of strings");
            }
        }
        return roles;
    }

    /** An unmodifiable deep copy; top-level nulls are dropped (a null claim is treated as absent). */
    private static Map<String, Object> frozen(Map<String, Object> claims) {
        Map<String, Object> copy = new LinkedHashMap<>();
        claims.forEach((name, value) -> {
            if (value != null) {
                copy.put(name, freeze(value));
            }
        });
        return copy;
    }

    private static Object freeze(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(k, freeze(v)));
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(v -> copy.add(freeze(v)));
            return Collections.unmodifiableList(copy);
        }
        return value instanceof Integer i ? Long.valueOf(i) : value; // one type for integers that fit a long
    }

    @Override
    public String toString() {
        return "JwtVerifier[algorithms=" + allowed + ", keys=" + staticKeys.size() + (jwks == null ? "" : ", " + jwks) + "]";
    }

    /**
     * Configuration of a {@link JwtVerifier}. At least one key source is required. Values are
     * checked by {@link #build()}, which names the option at fault. Not thread-safe.
     */
    public static final class Builder {

        private byte[] hmacSecret;
        private final List<ConfiguredKey> keys = new ArrayList<>();
        private URI jwksUri;
        private Duration jwksTimeout = Duration.ofSeconds(2);
        private int jwksMaxResponseSize = 512 * 1024;
        private Duration jwksMinRefreshInterval = Duration.ofSeconds(30);
        private Duration jwksRefreshInterval = Duration.ofMinutes(5);
        private Duration jwksOutageTolerance = ChronoUnit.FOREVER.getDuration();
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
        private List<String> rolesClaims = List.of("roles", "scope");
        private Clock clock = Clock.systemUTC();

        private record ConfiguredKey(String option, JWK jwk) {
        }

        private Builder() {
        }

        /**
         * A shared HMAC secret (HS256 by default), at least 32 bytes of random, 48 for HS384, 64 for
         * HS512. It has no key id: it verifies tokens without {@code kid} or with a {@code kid} no other
         * key carries. It never verifies an RS, PS, ES or EdDSA token.
         */
        public Builder hmacSecret(byte[] secret) {
            this.hmacSecret = Objects.requireNonNull(secret, "hmacSecret").clone();
            return this;
        }

        /** A trusted RSA (2048 bits or more), EC (P-256, P-384, P-521) or Ed25519 public key, under a key id. */
        public Builder publicKey(String kid, PublicKey key) {
            Objects.requireNonNull(kid, "kid");
            Objects.requireNonNull(key, "publicKey");
            keys.add(new ConfiguredKey("publicKey", KeyMaterial.fromPublicKey("publicKey", kid, key)));
            return this;
        }

        /** A trusted public key as PEM ({@code PUBLIC KEY} or {@code CERTIFICATE}), under a key id. Private keys are refused. */
        public Builder publicKeyPem(String kid, String pem) {
            Objects.requireNonNull(kid, "kid");
            Objects.requireNonNull(pem, "publicKeyPem");
            keys.add(new ConfiguredKey("publicKeyPem", KeyMaterial.fromPem("publicKeyPem", kid, pem)));
            return this;
        }

        /** A trusted public key as a JWK (JSON). Private keys and symmetric ({@code oct}) keys are refused. */
        public Builder jwk(String json) {
            Objects.requireNonNull(json, "jwk");
            keys.add(new ConfiguredKey("jwk", KeyMaterial.fromJwk("jwk", json)));
            return this;
        }

        /** Trusted public keys as a JWK set (JSON). A set holding any private or symmetric key is refused. */
        public Builder jwkSet(String json) {
            Objects.requireNonNull(json, "jwkSet");
            KeyMaterial.fromJwkSet("jwkSet", json).forEach(jwk -> keys.add(new ConfiguredKey("jwkSet", jwk)));
            return this;
        }

        /**
         * A JWKS endpoint to fetch public keys from, cached; {@code https}, or {@code http} on a
         * loopback address. Fetched lazily by the first verification. Only public signature keys are
         * used (no private, symmetric, {@code use=enc}, revoked or expired keys). Redirects are not followed.
         */
        public Builder jwksUri(URI uri) {
            this.jwksUri = Objects.requireNonNull(uri, "jwksUri");
            return this;
        }

        /** Bounds the connection and, separately, the response of a JWKS request. Default 2 s. */
        public Builder jwksTimeout(Duration timeout) {
            this.jwksTimeout = Objects.requireNonNull(timeout, "jwksTimeout");
            return this;
        }

        /** The largest JWKS response read, in bytes; a larger one is refused. Default 512 KiB. */
        public Builder jwksMaxResponseSize(int bytes) {
            this.jwksMaxResponseSize = bytes;
            return this;
        }

        /** At most one refresh for an unknown {@code kid} per this interval. Default 30 s. */
        public Builder jwksMinRefreshInterval(Duration interval) {
            this.jwksMinRefreshInterval = Objects.requireNonNull(interval, "jwksMinRefreshInterval");
            return this;
        }

        /** Keys older than this are refreshed in the background by the next verification. Default 5 min. */
        public Builder jwksRefreshInterval(Duration interval) {
            this.jwksRefreshInterval = Objects.requireNonNull(interval, "jwksRefreshInterval");
            return this;
        }

        /**
         * How long keys from the last successful fetch stay trusted while the endpoint cannot be
         * reached. Default: unlimited (kept until a successful fetch replaces them).
         */
        public Builder jwksOutageTolerance(Duration tolerance) {
            this.jwksOutageTolerance = Objects.requireNonNull(tolerance, "jwksOutageTolerance");
            return this;
        }

        /**
         * The algorithms accepted, e.g. {@code "RS256", "ES256"}; {@code none} can never be. Default:
         * what the keys imply (HS256 for the HMAC secret, RS256 for RSA, ES256/384/512 by EC curve,
         * EdDSA for Ed25519, or the algorithm a JWK declares; for a JWKS endpoint RS256, ES256, ES384,
         * ES512 and EdDSA). Whatever the list, a key only verifies the algorithms of its type.
         */
        public Builder algorithms(String... algorithms) {
            this.algorithms = List.of(algorithms);
            return this;
        }

        /** Trusted issuers; when set, {@code iss} is required and must be one of them. */
        public Builder issuers(String... issuers) {
            this.issuers = List.of(issuers);
            return this;
        }

        /** This service's audience names; when set, {@code aud} is required and must contain one. */
        public Builder audiences(String... audiences) {
            this.audiences = List.of(audiences);
            return this;
        }

        /** Whether {@code exp} is required. Default true. */
        public Builder requireExpiration(boolean require) {
            this.requireExpiration = require;
            return this;
        }

        /** Tolerance for clocks that disagree, applied to {@code exp}, {@code nbf} and {@code iat}. Default 60 s. */
        public Builder clockSkew(Duration skew) {
            this.clockSkew = Objects.requireNonNull(skew, "clockSkew");
            return this;
        }

        /** Claims that must be present and not null ({@code sub} always is). */
        public Builder requiredClaims(String... claims) {
            this.requiredClaims = List.of(claims);
            return this;
        }

        /**
         * The accepted {@code typ} header values, e.g. {@code "at+jwt"}; compared case-insensitively,
         * with the {@code application/} prefix optional. When set, {@code typ} is required. Default: no
         * {@code typ} or {@code JWT}.
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
         */
        public Builder accessTokenProfile() {
            this.accessTokenProfile = true;
            return this;
        }

        /** The longest token accepted, in characters, checked before any parsing. Default 8192. */
        public Builder maxTokenSize(int characters) {
            this.maxTokenSize = characters;
            return this;
        }

        /**
         * Refuses tokens whose {@code jti} is on this list ({@code REVOKED}), checked after the signature
         * and the claims. A token without {@code jti} cannot be revoked; add {@code "jti"} to
         * {@link #requiredClaims} to refuse such tokens. The list's {@link StoreUnavailableException}
         * propagates from {@link JwtVerifier#verify}.
         */
        public Builder revocationList(RevocationList revocationList) {
            this.revocationList = Objects.requireNonNull(revocationList, "revocationList");
            return this;
        }

        /**
         * Claims that grant roles, each a JSON array of strings or a space-separated string (like
         * {@code scope}); their union becomes {@link VerifiedToken#roles()}. Default {@code roles}
         * and {@code scope}.
         */
        public Builder rolesClaims(String... claims) {
            this.rolesClaims = List.of(claims);
            return this;
        }

        /** The clock for {@code exp}, {@code nbf}, {@code iat} and the JWKS cache. Default system UTC. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @throws IllegalArgumentException naming the first option at fault */
        public JwtVerifier build() {
            List<ConfiguredKey> configured = new ArrayList<>(keys);
            if (hmacSecret != null) {
                if (hmacSecret.length < 32) {
                    throw new IllegalArgumentException("hmacSecret: must be at least 32 bytes (256 bits), was "
                            + hmacSecret.length);
                }
                configured.add(new ConfiguredKey("hmacSecret", new OctetSequenceKey.Builder(hmacSecret).build()));
            }
            if (configured.isEmpty() && jwksUri == null) {
                throw new IllegalArgumentException(
                        "no key configured: set hmacSecret, publicKey, publicKeyPem, jwk, jwkSet or jwksUri");
            }
            List<VerificationKey> staticKeys = new ArrayList<>();
            for (ConfiguredKey key : configured) {
                try {
                    staticKeys.add(VerificationKey.of(key.jwk()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(key.option() + ": " + e.getMessage());
                }
            }
            Set<JWSAlgorithm> allowed = allowedAlgorithms(configured);
            requireNames("issuers", issuers);
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
            Set<String> types = new LinkedHashSet<>();
            if (acceptedTypes != null) {
                requireNames("acceptedTypes", acceptedTypes);
                acceptedTypes.forEach(t -> types.add(Jws.normalizeType(t)));
            }
            List<String> required = new ArrayList<>(requiredClaims);
            if (accessTokenProfile) {
                if (issuers.isEmpty()) {
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
                for (String claim : List.of("iss", "exp", "aud", "sub", "client_id", "iat", "jti")) {
                    if (!required.contains(claim)) {
                        required.add(claim);
                    }
                }
            }
            JwksSource jwks = jwksUri == null ? null : jwksSource();
            return new JwtVerifier(this, staticKeys, jwks, allowed, types, required);
        }

        private Set<JWSAlgorithm> allowedAlgorithms(List<ConfiguredKey> configured) {
            Set<JWSAlgorithm> allowed = new LinkedHashSet<>();
            if (algorithms == null) {
                for (ConfiguredKey key : configured) {
                    allowed.add(Algorithms.defaultFor(key.jwk()).orElseThrow());
                }
                if (jwksUri != null) {
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
                        || jwksUri != null && !Algorithms.isHmac(alg);
                if (!keyFits) {
                    if (Algorithms.isHmac(alg) && hmacSecret != null) {
                        throw new IllegalArgumentException("hmacSecret: " + alg.getName() + " needs at least "
                                + Algorithms.minHmacBytes(alg) + " bytes, was " + hmacSecret.length);
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

        private JwksSource jwksSource() {
            String scheme = jwksUri.getScheme() == null ? "" : jwksUri.getScheme().toLowerCase(Locale.ROOT);
            if (jwksUri.getHost() == null || !(scheme.equals("https") || scheme.equals("http") && isLoopback(jwksUri.getHost()))) {
                throw new IllegalArgumentException("jwksUri: must be an https URI (http only on a loopback address)");
            }
            if (notPositive(jwksTimeout) || jwksTimeout.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("jwksTimeout: must be positive and at most 1 minute, was " + jwksTimeout);
            }
            if (jwksMaxResponseSize < 1024) {
                throw new IllegalArgumentException("jwksMaxResponseSize: must be at least 1024 bytes, was "
                        + jwksMaxResponseSize);
            }
            if (jwksMinRefreshInterval.isNegative()) {
                throw new IllegalArgumentException("jwksMinRefreshInterval: must not be negative, was "
                        + jwksMinRefreshInterval);
            }
            if (notPositive(jwksRefreshInterval)) {
                throw new IllegalArgumentException("jwksRefreshInterval: must be positive, was " + jwksRefreshInterval);
            }
            if (notPositive(jwksOutageTolerance)) {
                throw new IllegalArgumentException("jwksOutageTolerance: must be positive, was " + jwksOutageTolerance);
            }
            return new JwksSource(jwksUri, jwksTimeout, jwksMaxResponseSize, jwksMinRefreshInterval,
                    jwksRefreshInterval, jwksOutageTolerance, clock);
        }

        private static boolean isLoopback(String host) {
            String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            if (h.equalsIgnoreCase("localhost")) {
                return true;
            }
            if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                return false; // a name other than localhost would need DNS; it is not a loopback literal
            }
            try {
                return InetAddress.getByName(h).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }

        private static boolean notPositive(Duration d) {
            return d.isNegative() || d.isZero();
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
