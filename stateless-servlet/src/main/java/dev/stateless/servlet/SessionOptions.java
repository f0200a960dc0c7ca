package dev.stateless.servlet;

import dev.stateless.core.session.SessionLock;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link StatelessSessionFilter} learned from its configuration and its servlet context, for
 * the requests it wraps.
 *
 * @param events the application's session listeners
 * @param cookieTracking whether ids are sent in cookies (the context's tracking modes include COOKIE)
 * @param urlTracking whether {@code encodeURL} carries ids and URLs are read for them
 * @param initialIdleTimeout the idle timeout new sessions start with, when the application chose one
 *     ({@code <session-timeout>}); empty: the store's
 * @param lock the lock a request takes on its session, when the application serializes them
 * @param lockSkipPaths paths whose requests take no lock (read-only pages)
 * @param recentTouches the sessions this node touched lately for requests that never asked for them
 * @param rotateIdOnLogin whether a stored session without an owner gets a new id when its first
 *     authenticated request comes
 * @param migration what is done with the container's own sessions (adoption, rollout, write-through)
 */
record SessionOptions(SessionEvents events, boolean cookieTracking, boolean urlTracking,
        Optional<Duration> initialIdleTimeout, Optional<SessionLock> lock, List<String> lockSkipPaths,
        RecentTouches recentTouches, boolean rotateIdOnLogin, SessionMigration migration) {

    static final SessionOptions DEFAULTS = new SessionOptions(SessionEvents.NONE, true, false, Optional.empty(),
            Optional.empty(), List.of(), new RecentTouches(Duration.ofSeconds(10)), true,
            new SessionMigration(Migration.defaults()));

    SessionOptions {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(initialIdleTimeout, "initialIdleTimeout");
        Objects.requireNonNull(lock, "lock");
        Objects.requireNonNull(migration, "migration");
        lockSkipPaths = List.copyOf(lockSkipPaths);
    }

    /** The lock this request takes on its session, if locking is on and its path is not skipped. */
    Optional<SessionLock> lockFor(HttpServletRequest request) {
        if (lock.isEmpty() || lockSkipPaths.isEmpty()) {
            return lock;
        }
        return RequestPaths.matchesAny(RequestPaths.within(request), lockSkipPaths) ? Optional.empty() : lock;
    }
}
