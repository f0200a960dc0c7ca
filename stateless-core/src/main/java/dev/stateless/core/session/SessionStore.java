package dev.stateless.core.session;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.Health;
import dev.stateless.core.StoreUnavailableException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where sessions live between requests. Sessions are read whole and written as deltas
 * ({@link SessionChanges}); every write sets the expiry in the same atomic step, so a stored
 * session always expires. Expiry is both idle (sliding, refreshed by {@link #load} and
 * {@link #touch}) and absolute; a session whose idle timeout is {@link java.time.Duration#ZERO} has
 * no idle expiry and ends at its absolute expiry.
 *
 * <p>Implementations are thread-safe. Concurrent saves of one session that touch different
 * attributes both survive; for the same attribute the last save wins. A save never brings back a
 * session that was deleted or expired in the meantime. Callers that must not lose an update of an
 * attribute mutated in place (read, modify, write) serialize their requests with the opt-in
 * {@linkplain #load(SessionId, SessionLock) session lock}.
 *
 * <p>Data it cannot read: a stored session whose metadata this store cannot read (not written
 * by this library, truncated, another kind of value under its key) is treated as absent by
 * {@link #load}, {@link #touch}, {@link #unlock}, {@link #findByPrincipal} and
 * {@link #deleteByPrincipal}: they log a warning (a load) and leave it as it is, so a client that
 * holds its id simply starts a new session. {@link #save} onto it throws {@link CorruptDataException}
 * and writes nothing; {@link #changeId} does not move it; {@link #delete} removes it. Attribute values are checked by the
 * {@linkplain #codec() codec} when they are decoded ({@link AttributeCodecException}).
 *
 * <p>Implementations: {@code InMemorySessionStore} (tests, single node) and
 * {@code RedisSessionStore} (module {@code stateless-redis}). All of them pass one contract suite.
 */
public interface SessionStore extends AutoCloseable {

    /**
     * The codec that encodes this store's attribute values.
     *
     * @return the codec of this store's attribute values
     */
    AttributeCodec codec();

    /**
     * A new session with a fresh random id and this store's timeouts. Nothing is written until the
     * first {@link #save}.
     *
     * @return a new, unsaved session with this store's timeouts
     */
    SessionData newSession();

    /**
     * Reads a session and refreshes its idle expiry in the same step (at most once per the store's
     * touch interval).
     *
     * @param id the session's id
     * @return the session as it was before this access, or empty when there is none or it expired
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    Optional<SessionData> load(SessionId id);

    /**
     * Like {@link #load(SessionId)} for a caller that has seen the session at {@code knownVersion}
     * (returned by {@link #saveAsync}, or a loaded copy's {@link SessionData#version()}): a store
     * with a near cache may answer from its local copy when that copy is at least that version,
     * refreshing the idle expiry without making the caller wait; else it reads the backend. A
     * {@code knownVersion} of 0 or less always reads the backend. The default reads the backend.
     *
     * @param id the session's id
     * @param knownVersion the newest version of the session the caller has seen, 0 when none
     * @return the session, or empty when there is none (never expired)
     * @throws StoreUnavailableException when the backend has to be read and cannot be reached in time
     */
    default Optional<SessionData> load(SessionId id, long knownVersion) {
        return load(id);
    }

    /**
     * {@link #load(SessionId, long)} without making the caller wait for the store where it can: a
     * caller sends this with its other reads (an idempotency key's acquisition) and waits once, so
     * that they share one round trip. Same answer and failures as {@link #load(SessionId, long)},
     * delivered through the future, never thrown. The default loads synchronously.
     *
     * @param id the session's id
     * @param knownVersion the newest version of the session the caller has seen, 0 when none
     * @return completes with the session, or empty when there is none (never expired)
     */
    default CompletableFuture<Optional<SessionData>> loadAsync(SessionId id, long knownVersion) {
        try {
            return CompletableFuture.completedFuture(load(id, knownVersion));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Like {@link #load(SessionId)}, and takes the session's lock in the same step, for at most
     * {@link SessionLock#lease()}. While another holder has the lock (and its lease runs), retries
     * with a short backoff (2 ms doubling to 50 ms) until {@link SessionLock#maxWait()} has passed. A
     * lock whose lease expired is free. Costs no more than a plain load when the lock is free (one
     * round trip on Redis).
     *
     * <p>The returned copy carries the {@linkplain SessionData#lockToken() lock token}. The holder
     * releases the lock by saving changes to it ({@link #save}, same round trip) or, with nothing to
     * save, by {@link #unlock}; else it frees itself when the lease ends. {@link #delete} removes the
     * lock with the session; {@link #changeId} does not carry it to the new id. Only loads through
     * this method wait for the lock: plain loads and saves (read-only requests) ignore it.
     *
     * @param id the session's id
     * @param lock how long a lock is held and how long to wait for one
     * @return the session as it was before this access, now locked by the caller; or empty, taking
     *     nothing, when there is none or it expired
     * @throws SessionLockedException when another holder kept the lock for all of {@code maxWait}
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    Optional<SessionData> load(SessionId id, SessionLock lock);

    /**
     * Refreshes a session's idle expiry exactly as {@link #load(SessionId)} would (at most once per
     * the store's touch interval), without reading its attributes and without making the caller
     * wait: for a request that carries a session id but never reads the session (Servlet 7.6: that
     * is an access too). Never creates a session and never brings back one that expired or was
     * deleted; an unknown id is a no-op. Ignores the session lock.
     *
     * @param id the session's id
     * @return completes when the store has applied the touch, or exceptionally with
     *     {@link StoreUnavailableException} when the backend cannot be reached in time; never throws
     *     for an unreachable backend
     */
    CompletableFuture<Void> touch(SessionId id);

    /**
     * Writes a delta: creates the session if {@code changes.base()} is new, else applies the changes
     * to the stored session, which must still exist.
     *
     * <p>When {@code changes.base()} holds a {@linkplain SessionData#lockToken() lock}, the save also
     * releases it, in the same step, if the lock is still that holder's. A save never fails because
     * of the lock: if the lease ran out and another request holds the lock now, the delta is still
     * written, the other holder keeps its lock, and the store logs a warning (the requests were not
     * serialized, so a concurrent in-place update may be lost).
     *
     * @param changes what the request changed, over the session it loaded
     * @return false, writing nothing, when an existing session is gone (expired, deleted, or its id
     *     was changed); true when written
     * @throws CorruptDataException when what is stored under the session's id is not a session this
     *     store can read (nothing is written)
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    boolean save(SessionChanges changes);

    /**
     * {@link #save} without making the caller wait for the backend where the store can: a caller
     * sends this and its other writes (an idempotency record's completion) and then waits once, so
     * that they share one round trip. Same effect, atomicity and failures as {@link #save}, delivered
     * through the future. The default saves synchronously.
     *
     * @param changes what the request changed, on top of the copy it loaded
     * @return completes with the session's {@linkplain SessionData#version() version} after the write
     *     (1 or more), or 0 when the session is gone and nothing was written; stores that keep no
     *     versions complete with {@code changes.base().version() + 1} for a write
     */
    default CompletableFuture<Long> saveAsync(SessionChanges changes) {
        try {
            return CompletableFuture.completedFuture(save(changes) ? changes.base().version() + 1 : 0L);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Releases the lock that {@code locked} holds, when there is nothing to save; nothing happens
     * when the lock is no longer that holder's (its lease ran out, the session is gone) or when
     * {@code locked} holds no lock. If this fails, the lock frees itself when its lease ends.
     *
     * @param locked the copy that holds the lock
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    void unlock(SessionData locked);

    /**
     * Deletes a session, with its lock; nothing happens when there is none. Invalidation wins over a
     * concurrent {@link #changeId}: deleting an id whose session is being moved, or was moved within
     * the last few minutes, deletes it under its new id too, so a logout that raced a login's id
     * change never leaves the session alive.
     *
     * @param id the session's id
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    void delete(SessionId id);

    /**
     * Moves a session to a new id, keeping its attributes and timeouts, and deletes the old id
     * (for protection against session fixation). The session's lock, if any, is not carried over:
     * the old id's lock goes with the old id, and the new id starts unlocked.
     *
     * <p>The old id never finds the session again ({@link #load} of it is empty), but for a few
     * minutes it forwards a {@link #delete} to the new id. When {@code from} is deleted while the
     * move runs, the move undoes itself and returns false: nothing outlives the invalidation.
     *
     * @param from the session's current id
     * @param to its new id, unused
     * @return false when there is no session {@code from}, or it was deleted while it moved
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    boolean changeId(SessionId from, SessionId to);

    /**
     * The live sessions recorded for a principal.
     *
     * @param principal the user's name
     * @return the user's live sessions, in no particular order
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    List<SessionSummary> findByPrincipal(String principal);

    /**
     * Deletes every session of a principal ("log out everywhere").
     *
     * @param principal the user's name
     * @return how many live sessions were deleted
     * @throws StoreUnavailableException when the backend cannot be reached in time
     */
    int deleteByPrincipal(String principal);

    /**
     * Checks that the backend answers: a round trip to it (a {@code PING} for Redis), bounded by the
     * store's command timeout, so it returns {@link Health.Status#DOWN DOWN} with the error rather
     * than hang or throw while the backend is away. For health endpoints; never throws.
     * The default, for stores that do not implement it, is {@link Health.Status#UNKNOWN UNKNOWN}.
     *
     * @return the health, never null
     */
    default Health health() {
        return Health.notChecked(this);
    }

    /** Releases connections; the store is unusable afterwards. */
    @Override
    void close();
}
