package dev.stateless.jwt;

import static dev.stateless.core.token.TokenVerificationException.Reason.EXPIRED;
import static dev.stateless.core.token.TokenVerificationException.Reason.MALFORMED;
import static dev.stateless.core.token.TokenVerificationException.Reason.MISSING_CLAIM;
import static dev.stateless.core.token.TokenVerificationException.Reason.NOT_YET_VALID;
import static dev.stateless.core.token.TokenVerificationException.Reason.UNTRUSTED_ISSUER;
import static dev.stateless.core.token.TokenVerificationException.Reason.WRONG_AUDIENCE;
import static dev.stateless.jwt.Jws.refuse;

import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.VerifiedToken;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The checks on a token's claims once its signature holds: types (strict), presence, time with the
 * allowed skew, issuer and audience; and what the verified token says (principal, roles, claims).
 * Immutable and thread-safe.
 *
 * @param issuers the trusted issuers; empty: {@code iss} is not checked
 * @param issuerQualified whether the principal is {@code iss#sub} (several issuers trusted) rather than {@code sub}
 */
record ClaimChecks(Set<String> issuers, boolean issuerQualified, Set<String> audiences, boolean requireExpiration,
        Duration clockSkew, List<String> requiredClaims, List<String> rolesClaims, Clock clock) {

    /** The largest instant a time claim may hold: 9999-12-31T23:59:59Z. */
    private static final BigDecimal MAX_EPOCH_SECOND = BigDecimal.valueOf(253_402_300_799L);

    ClaimChecks {
        issuers = Set.copyOf(issuers);
        audiences = Set.copyOf(audiences);
        requiredClaims = List.copyOf(requiredClaims);
        rolesClaims = List.copyOf(rolesClaims);
    }

    VerifiedToken check(Map<String, Object> claims) {
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
        String principal = issuerQualified ? issuer + "#" + subject : subject;
        return new VerifiedToken(principal, subject, Optional.ofNullable(issuer), Optional.ofNullable(tokenId),
                expiresAt, roles(claims), frozen(claims));
    }

    static TokenVerificationException missing(String name) {
        return refuse(MISSING_CLAIM, "token claim '" + name + "' is missing");
    }

    /** A claim that must be a string when present; null when absent or null. */
    static String stringClaim(Map<String, Object> claims, String name) {
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

}
