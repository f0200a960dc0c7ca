package dev.stateless.core.session;

import dev.stateless.core.StoreUnavailableException;
import java.util.List;
import java.util.Optional;

/**
 * Where sessions live between requests. Sessions are read whole and written as deltas
 * ({@link SessionChanges}); every write sets the expiry in the same atomic step, so a stored
 * session always expires. Expiry is both idle (sliding, refreshed by {@link #load}) and absolute.
 *
 * <p>Implementations are thread-safe. Concurrent saves of one session that touch different
 * attributes both survive; for the same attribute the last save wins. A save never brings back a
 * session that was deleted or expired in the meantime.
 *
 * <p>Implementations: {@code InMemorySessionStore} (tests, single node) and
 * {@code RedisSessionStore} (module {@code stateless-redis}). All of them pass one contract suite.
 */
public interface SessionStore extends AutoCloseable {

    /** The codec that encodes this store's attribute values. */
    AttributeCodec codec();

    /**
     * A new session with a fresh random id and this store's timeouts. Nothing is written until the
     * first {@link #save}.
     */
    SessionData newSession();

    /**
     * Reads a session and refreshes its idle expiry in the same step (at most once per the store's
     * touch interval).
     *
     * @return the session as it was before this access, or empty when there is none or it expired
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    Optional<SessionData> load(SessionId id);

    /**
     * Writes a delta: creates the session if {@code changes.base()} is new, else applies the changes
     * to the stored session, which must still exist.
     *
     * @return false, writing nothing, when an existing session is gone (expired, deleted, or its id
     *     was changed); true when written
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    boolean save(SessionChanges changes);

    /**
     * Deletes a session; nothing happens when there is none.
     *
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    void delete(SessionId id);

    /**
     * Moves a session to a new id, keeping its attributes and timeouts, and deletes the old id
     * (for protection against session fixation).
     *
     * @return false when there is no session {@code from}
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    boolean changeId(SessionId from, SessionId to);

    /**
     * The live sessions recorded for a principal.
     *
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    List<SessionSummary> findByPrincipal(String principal);

    /**
     * Deletes every session of a principal ("log out everywhere").
     *
     * @return how many live sessions were deleted
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    int deleteByPrincipal(String principal);

    /** Releases connections; the store is unusable afterwards. */
    @Override
    void close();
}
