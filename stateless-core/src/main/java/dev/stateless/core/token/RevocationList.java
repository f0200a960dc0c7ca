package dev.stateless.core.token;

import dev.stateless.core.Health;
import dev.stateless.core.StoreUnavailableException;
import java.time.Duration;

/**
 * Tokens that must no longer be accepted, for logout with stateless tokens. A token is named by its
 * issuer and id ({@code iss}, {@code jti}), so two issuers' ids never collide. An entry lives as long
 * as a verifier would otherwise accept the token: until its {@code exp} plus the verifier's allowed
 * clock skew (a verifier accepts a token until {@code exp + skew}, so an entry that ended at {@code exp}
 * would let a logged-out token work again for the length of the skew), or forever for a token without
 * {@code exp}. The list therefore never grows beyond the tokens still alive.
 *
 * <p>Most callers revoke through the verifier, which knows its skew: {@link TokenVerifier#revoke}.
 * Implementations are thread-safe.
 */
public interface RevocationList extends AutoCloseable {

    /**
     * Revokes a verified token until its {@code exp} plus {@code clockSkew} (the skew of the verifier
     * that accepts it), or forever when it has no {@code exp}; revoking twice is harmless, and a token
     * already past {@code exp + clockSkew} leaves nothing behind.
     *
     * @param token the token to revoke
     * @param clockSkew the verifier's allowed clock skew, zero or more
     * @throws IllegalArgumentException when the token has no {@code jti} (it cannot be revoked), or the skew is negative
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    void revoke(VerifiedToken token, Duration clockSkew);

    /**
     * Whether this token (its {@code iss} and {@code jti}) is revoked; a token without {@code jti} never is.
     *
     * @param token a verified token
     * @return whether it was revoked
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    boolean isRevoked(VerifiedToken token);

    /**
     * Checks that the backend answers: a round trip to it (a {@code PING} for Redis), bounded by the
     * store's command timeout, so it returns {@link Health.Status#DOWN DOWN} with the error rather
     * than hang or throw while the backend is away. For health endpoints; never throws.
     * The default, for lists that do not implement it, is {@link Health.Status#UNKNOWN UNKNOWN}.
     *
     * @return the health, never null
     */
    default Health health() {
        return Health.notChecked(this);
    }

    @Override
    default void close() {
    }
}
