package dev.stateless.core.session;

import dev.stateless.core.StatelessException;
import java.time.Duration;

/**
 * {@link SessionStore#load(SessionId, SessionLock)} waited {@link SessionLock#maxWait()} and another
 * request still held the session's lock. Nothing was read or changed. The message names no session.
 */
public class SessionLockedException extends StatelessException {

    /** How long the request waited for the lock before giving up. */
    private final Duration waited;

    /**
     * The lock stayed held by another request for the whole wait.
     *
     * @param waited how long this request waited
     */
    public SessionLockedException(Duration waited) {
        super("the session is locked by another request; gave up after waiting " + waited);
        this.waited = waited;
    }

    /**
     * The wait was cut short, e.g. by an interrupt ({@code cause}).
     *
     * @param waited how long this request waited
     * @param cause the failure behind it
     */
    public SessionLockedException(Duration waited, Throwable cause) {
        super("the session is locked by another request; stopped waiting after " + waited, cause);
        this.waited = waited;
    }

    /**
     * How long the load waited for the lock (its {@link SessionLock#maxWait()}, or less when interrupted).
     *
     * @return the wait, positive
     */
    public Duration waited() {
        return waited;
    }
}
