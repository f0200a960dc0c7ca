package dev.stateless.core.session;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link SessionStore#load(SessionId, SessionLock)} takes a session's lock, which serializes
 * the requests of one session across every node that shares the store (as PHP's and ASP.NET's
 * session state do): a second locker waits until the first one {@linkplain SessionStore#save saves}
 * or {@linkplain SessionStore#unlock unlocks}, so read-modify-write of an attribute mutated in place
 * loses no update.
 *
 * <p>The lock is advisory: only loads that ask for it wait for it; plain {@link SessionStore#load}
 * and {@link SessionStore#save} calls (read-only paths) ignore it. Immutable and thread-safe.
 *
 * @param lease how long the lock is held at most: a holder that dies (a killed node) or forgets to
 *     release it blocks the session for no longer than this, measured by the store's clock. Choose it
 *     longer than the slowest request, or a slow request loses the lock to the next one (its save
 *     still writes). Must be positive.
 * @param maxWait how long a load waits, in real time, for another holder to release the lock before
 *     it gives up with {@link SessionLockedException}; zero tries once. Must not be negative.
 */
public record SessionLock(Duration lease, Duration maxWait) {

    public SessionLock {
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(maxWait, "maxWait");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, was " + lease);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative, was " + maxWait);
        }
    }
}
