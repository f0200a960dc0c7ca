package dev.stateless.core.token;

import dev.stateless.core.StoreUnavailableException;
import java.time.Instant;

/**
 * Token ids ({@code jti}) that must no longer be accepted, for logout with stateless tokens. An
 * entry lives until the token's own expiry, after which the token is refused anyway, so the list
 * never grows beyond the tokens still alive. Implementations are thread-safe.
 */
public interface RevocationList extends AutoCloseable {

    /**
     * Revokes a token id until {@code expiresAt}; revoking twice is harmless.
     *
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    void revoke(String tokenId, Instant expiresAt);

    /**
     * Whether a token id is revoked.
     *
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    boolean isRevoked(String tokenId);

    @Override
    default void close() {
    }
}
