package dev.stateless.core.token;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What every {@link RevocationList} computes the same way: how long an entry lives and what names it.
 * Public only so that backends in other modules share it; not part of the API users call.
 */
public final class RevocationEntries {

    private RevocationEntries() {
    }

    /**
     * The instant a revocation of this token may end: {@code exp + clockSkew}, or {@link Instant#MAX}
     * for a token without {@code exp} (a verifier that does not require {@code exp} accepts it forever).
     *
     * @param token the revoked token
     * @param clockSkew the skew the verifier allows
     * @return {@code exp + clockSkew}, or {@link Instant#MAX}
     * @throws IllegalArgumentException when the skew is negative or the token has no {@code jti}
     */
    public static Instant until(VerifiedToken token, Duration clockSkew) {
        Objects.requireNonNull(clockSkew, "clockSkew");
        if (clockSkew.isNegative()) {
            throw new IllegalArgumentException("clockSkew: must not be negative, was " + clockSkew);
        }
        tokenId(token);
        return token.expiresAt().map(exp -> exp.plus(clockSkew)).orElse(Instant.MAX);
    }

    /**
     * The token's {@code jti}.
     *
     * @param token the revoked token
     * @return its {@code jti}
     * @throws IllegalArgumentException when it has none
     */
    public static String tokenId(VerifiedToken token) {
        return token.tokenId().orElseThrow(() -> new IllegalArgumentException(
                "the token has no id (jti), so it cannot be revoked; require jti where tokens are revocable"));
    }

    /**
     * One string that names the token by issuer and id, unambiguous for any pair of values
     * (the issuer is length-prefixed; a token without {@code iss} is {@code -}). Backends hash it.
     *
     * @param token the revoked token
     * @return issuer and token id in one unambiguous string
     */
    public static String name(VerifiedToken token) {
        String id = tokenId(token);
        return token.issuer().map(iss -> iss.length() + ":" + iss).orElse("-") + ":" + id;
    }
}
