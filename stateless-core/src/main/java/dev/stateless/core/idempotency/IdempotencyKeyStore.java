package dev.stateless.core.idempotency;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.Health;
import dev.stateless.core.StoreUnavailableException;
import java.time.Duration;

/**
 * Records which operations ran, so that a retried one runs exactly once and its first result is
 * returned again. A key is bound to the fingerprint of the first request that used it, for the
 * retention period.
 *
 * <p>Lifecycle of a key: {@link #acquire} takes a lease (a time-limited lock) and a fencing token;
 * the holder runs the operation, {@link #extend}s the lease while it is still working, and ends with
 * {@link #complete} (stores the result), {@link #fail} (the operation ran but its result cannot be
 * stored: it must never run again for this key) or {@link #release} (the operation failed before it
 * had any effect, so a retry may run it). A holder that dies lets its lease expire; the next {@code acquire} takes the key over
 * with a greater token, and the dead holder's late {@code complete}, {@code extend} or
 * {@code release} is refused.
 *
 * <p>Every method is one atomic step in the store. Implementations are thread-safe.
 *
 * <p>Data it cannot read: a record under a key that this store cannot read (not written by this
 * library, another kind of value under its key, a fencing token that is not a number) makes
 * {@link #acquire}, {@link #complete}, {@link #release} and {@link #extend} of that key throw
 * {@link CorruptDataException}, changing nothing: the key can be neither run nor replayed until an
 * operator removes the record (or it expires). Fields that can be recovered from safely are: a lease
 * end that is not a number is an ended lease, a record in an unknown state is taken over.
 *
 * @see Idempotency for running operations through a store
 */
public interface IdempotencyKeyStore extends AutoCloseable {

    /**
     * Tries to take the key for a request with this fingerprint.
     *
     * @param key the client's idempotency key, already scoped (by user, tenant, ...) by the caller
     * @param fingerprint identifies the request (method, path, body hash...); repeats must match it
     * @return what the key holds now: {@link Acquisition.Acquired} with a lease token for the new holder, or
     *     why not
     * @throws CorruptDataException when the record under {@code key} cannot be read
     * @throws StoreUnavailableException when the store cannot be reached in time
     */
    Acquisition acquire(String key, String fingerprint);

    /**
     * Like {@link #acquire(String, String)}, but a key that has no record yet is only recorded while
     * {@code scope} has made fewer than {@code maxNewPerHour} records in the current clock hour (of
     * the store's clock); otherwise nothing is stored and the answer is {@link Acquisition.LimitReached}.
     * Keys that already have a record (repeats, retries after a release) are not counted. Under
     * concurrent first requests of one scope the count may overshoot by the number of racing callers.
     *
     * @param key the client's idempotency key, already scoped by the caller
     * @param fingerprint identifies the request; repeats must match it
     * @param scope whom the record is counted for (a user, a session); any text
     * @param maxNewPerHour at least 1
     * @return as {@link #acquire(String, String)}, or {@link Acquisition.LimitReached}
     * @throws StoreUnavailableException when the store cannot be reached in time
     */
    Acquisition acquire(String key, String fingerprint, String scope, int maxNewPerHour);

    /**
     * Stores the result of the operation and ends the lease; later acquisitions get
     * {@link Acquisition.Completed} until the retention ends.
     *
     * @param key the key as acquired
     * @param token the lease token {@link Acquisition.Acquired} gave
     * @param result the encoded result, kept until the retention ends
     * @return false, storing nothing, when {@code token} is no longer the key's holder
     * @throws CorruptDataException when the record under {@code key} cannot be read
     * @throws StoreUnavailableException when the store cannot be reached in time
     */
    boolean complete(String key, long token, byte[] result);

    /**
     * {@link #complete} without making the caller wait for the store where it can: a caller sends
     * this with its other writes (the session's save) and waits once, so that they share one round
     * trip. Same effect and failures as {@link #complete}, delivered through the future. The default
     * completes synchronously.
     *
     * @param key the record's key
     * @param token the fencing token the caller holds the key with
     * @param result the encoded result, kept until the retention ends
     * @return completes with false, storing nothing, when {@code token} is no longer the key's holder
     */
    default java.util.concurrent.CompletableFuture<Boolean> completeAsync(String key, long token, byte[] result) {
        try {
            return java.util.concurrent.CompletableFuture.completedFuture(complete(key, token, result));
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Ends the lease with a recorded failure: the operation ran (or may have), but its result cannot
     * be stored. Later acquisitions get {@link Acquisition.Failed} until the retention ends; the
     * operation never runs again for this key.
     *
     * @param key the key as acquired
     * @param token the lease token {@link Acquisition.Acquired} gave
     * @return false, storing nothing, when {@code token} is no longer the key's holder
     * @throws StoreUnavailableException when the store cannot be reached in time
     */
    boolean fail(String key, long token);

    /**
     * Ends the lease without a result, so that a retry runs the operation again.
     *
     * @param key the key as acquired
     * @param token the lease token {@link Acquisition.Acquired} gave
     * @return false when {@code token} is no longer the key's holder
     * @throws CorruptDataException when the record under {@code key} cannot be read
     * @throws StoreUnavailableException when the store cannot be reached in time
     */
    boolean release(String key, long token);

    /**
     * Renews the lease for another {@link #lease()} from now, for a holder that is still working.
     *
     * @param key the key as acquired
     * @param token the lease token {@link Acquisition.Acquired} gave
     * @return false when {@code token} is no longer the key's holder (stop: the work was taken over)
     * @throws CorruptDataException when the record under {@code key} cannot be read
     * @throws StoreUnavailableException when the store cannot be reached in time
     */
    boolean extend(String key, long token);

    /**
     * How long a lease lasts without {@link #extend}.
     *
     * @return the lease, positive
     */
    Duration lease();

    /**
     * How long a key is kept after its last use.
     *
     * @return the retention, positive
     */
    Duration retention();

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

    @Override
    void close();
}
