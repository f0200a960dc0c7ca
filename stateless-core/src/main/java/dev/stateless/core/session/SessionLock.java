package dev.stateless.core.session;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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

    /**
     * Checks that the lease is positive and the wait is not negative.
     *
     * @param lease how long the lock is held at most
     * @param maxWait how long a load waits for the lock
     */
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

    /**
     * Retries {@code attempt} until it answers or {@link #maxWait} has passed (first pause 2 ms,
     * doubling to 50 ms), for store implementations: an empty answer means "held by another, try
     * again".
     *
     * @param <T> what an attempt yields
     * @param attempt one try at taking the lock; empty while another request holds it
     * @return what the first successful attempt yielded
     * @throws SessionLockedException when the wait is over, or the thread is interrupted
     */
    public <T> T await(Supplier<Optional<T>> attempt) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        long pause = TimeUnit.MILLISECONDS.toNanos(2);
        while (true) {
            Optional<T> answer = attempt.get();
            if (answer.isPresent()) {
                return answer.get();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SessionLockedException(maxWait);
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionLockedException(maxWait, e);
            }
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /**
     * For store implementations: reports a save that came after its lock's lease had ended and
     * another request took or released the lock, at WARN once per {@code warned} flag (one per
     * store), at DEBUG after that.
     *
     * @param warned set once the warning was logged, so that a store logs it once
     */
    public static void reportSaveAfterLease(AtomicBoolean warned) {
        Logger log = LoggerFactory.getLogger(SessionLock.class);
        if (warned.compareAndSet(false, true)) {
            log.warn("A session was saved after its lock's lease had ended and another request took or released "
                    + "the lock: the two requests ran concurrently, and an attribute changed in place by both may "
                    + "have lost an update. Use a lease longer than the slowest request. (Logged once per store.)");
        } else {
            log.debug("A session was saved after its lock's lease had ended");
        }
    }
}
