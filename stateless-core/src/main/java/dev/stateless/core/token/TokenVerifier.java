package dev.stateless.core.token;

/**
 * Checks a signed token (a compact JWT) and says who it speaks for. Verification needs no shared
 * state between nodes: keys are configured or fetched and cached, so with cached keys a
 * verification does no I/O (beyond an optional revocation check).
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface TokenVerifier {

    /**
     * Verifies a token.
     *
     * @param token the compact serialization, as sent by the client (without {@code Bearer })
     * @return the verified subject and claims
     * @throws TokenVerificationException when the token is refused, with the reason; the reason
     *     {@link TokenVerificationException.Reason#KEY_UNAVAILABLE} means the server could not get
     *     its keys, not that the token is bad
     * @throws dev.stateless.core.StoreUnavailableException when a configured revocation list cannot
     *     be reached: the token is neither accepted nor called bad (filters answer 503)
     */
    VerifiedToken verify(String token);

    /**
     * Revokes a token this verifier accepted (logout), on the verifier's revocation list, for as long
     * as this verifier would otherwise accept it: until {@code exp} plus its allowed clock skew.
     *
     * @param token a token this verifier verified
     * @throws UnsupportedOperationException when this verifier has no revocation list
     * @throws IllegalArgumentException when the token has no {@code jti}
     * @throws dev.stateless.core.StoreUnavailableException when the revocation list cannot be reached
     */
    default void revoke(VerifiedToken token) {
        throw new UnsupportedOperationException("this token verifier has no revocation list");
    }
}
