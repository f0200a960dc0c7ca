package dev.stateless.servlet;

import java.time.Duration;
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
 */
record SessionOptions(SessionEvents events, boolean cookieTracking, boolean urlTracking,
        Optional<Duration> initialIdleTimeout) {

    static final SessionOptions DEFAULTS = new SessionOptions(SessionEvents.NONE, true, false, Optional.empty());

    SessionOptions {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(initialIdleTimeout, "initialIdleTimeout");
    }
}
