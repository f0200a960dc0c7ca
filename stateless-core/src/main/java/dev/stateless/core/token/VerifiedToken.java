package dev.stateless.core.token;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A token whose signature and claims were checked.
 *
 * @param principal who the token speaks for, the name filters use as the user's identity (session
 *     owner, idempotency scope, {@code getUserPrincipal().getName()}): the {@code sub} where one
 *     issuer is trusted; {@code iss + "#" + sub} where a verifier trusts several issuers, so that two
 *     issuers' users with the same {@code sub} are never one user
 * @param subject {@code sub}
 * @param issuer {@code iss}, if present
 * @param tokenId {@code jti}, if present (what revocation works on)
 * @param expiresAt {@code exp}, if present
 * @param roles roles and scopes the token grants, from the configured claims
 * @param claims every claim, as JSON values (String, Number, Boolean, List, Map); top-level claims
 *     whose value is null are left out
 */
public record VerifiedToken(String principal, String subject, Optional<String> issuer, Optional<String> tokenId,
        Optional<Instant> expiresAt, Set<String> roles, Map<String, Object> claims) {

    /**
     * Checks that each value is given and copies the claims and roles.
     *
     * @param claims every claim
     * @param expiresAt {@code exp}
     * @param issuer {@code iss}
     * @param principal who the token speaks for
     * @param roles the roles and scopes
     * @param subject {@code sub}
     * @param tokenId {@code jti}
     */
    public VerifiedToken {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(expiresAt, "expiresAt");
        roles = Set.copyOf(roles);
        claims = Map.copyOf(claims);
    }

    /**
     * A token whose principal is its subject (one trusted issuer).
     *
     * @param subject the {@code sub} claim
     * @param issuer the {@code iss} claim, if any
     * @param tokenId the {@code jti} claim, if any
     * @param expiresAt the {@code exp} claim, if any
     * @param roles the roles or scopes the token grants
     * @param claims all claims
     */
    public VerifiedToken(String subject, Optional<String> issuer, Optional<String> tokenId,
            Optional<Instant> expiresAt, Set<String> roles, Map<String, Object> claims) {
        this(subject, subject, issuer, tokenId, expiresAt, roles, claims);
    }

    /**
     * A claim as a string, if it is one.
     *
     * @param name the claim's name
     * @return its value when it is a string
     */
    public Optional<String> stringClaim(String name) {
        return claims.get(name) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /**
     * A claim as a list of strings, if it is one.
     *
     * @param name the claim's name
     * @return its strings when it is a string or a list of strings; else empty
     */
    public List<String> stringListClaim(String name) {
        if (claims.get(name) instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        return List.of();
    }
}
