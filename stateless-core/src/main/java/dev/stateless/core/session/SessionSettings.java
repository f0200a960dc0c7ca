package dev.stateless.core.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The options every {@link SessionStore} shares, as a store's builder validated them.
 *
 * @param codec encodes attribute values
 * @param clock the time source for creation, access and expiry
 * @param idleTimeout how long a session lives without a request (sliding)
 * @param absoluteTimeout how long a session lives at most after creation, however active
 * @param touchInterval the least time between two writes of the last-access time
 * @param maxSessionsPerPrincipal how many live sessions one principal may have; {@link #UNLIMITED}
 *     for no limit
 */
public record SessionSettings(AttributeCodec codec, Clock clock, Duration idleTimeout, Duration absoluteTimeout,
        Duration touchInterval, int maxSessionsPerPrincipal) {

    /** No limit on the sessions of a principal (the default). */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    /**
     * Checks that each value is given and the timeouts and the limit are in range.
     *
     * @param absoluteTimeout the longest life of a session
     * @param clock the store's clock
     * @param codec the attribute codec
     * @param idleTimeout the idle timeout of new sessions
     * @param maxSessionsPerPrincipal the live sessions one principal may have
     * @param touchInterval how often at most the last access is written
     */
    public SessionSettings {
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(clock, "clock");
        requirePositive("idleTimeout", idleTimeout);
        requirePositive("absoluteTimeout", absoluteTimeout);
        Objects.requireNonNull(touchInterval, "touchInterval");
        if (touchInterval.isNegative()) {
            throw new IllegalArgumentException("touchInterval must not be negative, was " + touchInterval);
        }
        if (touchInterval.compareTo(idleTimeout) >= 0) {
            throw new IllegalArgumentException("touchInterval (" + touchInterval + ") must be shorter than idleTimeout ("
                    + idleTimeout + "), or sessions in use would expire");
        }
        if (maxSessionsPerPrincipal < 1) {
            throw new IllegalArgumentException("maxSessionsPerPrincipal must be at least 1, was " + maxSessionsPerPrincipal);
        }
    }

    /**
     * Settings without a limit on the sessions of a principal.
     *
     * @param codec encodes attribute values
     * @param clock the time source for expiry
     * @param idleTimeout idle timeout of new sessions; zero for none
     * @param absoluteTimeout longest life of a session
     * @param touchInterval how often at most the last access is written
     */
    public SessionSettings(AttributeCodec codec, Clock clock, Duration idleTimeout, Duration absoluteTimeout,
            Duration touchInterval) {
        this(codec, clock, idleTimeout, absoluteTimeout, touchInterval, UNLIMITED);
    }

    static void requirePositive(String option, Duration value) {
        Objects.requireNonNull(value, option);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(option + " must be positive, was " + value);
        }
    }

    /**
     * A new, unsaved session with these timeouts.
     *
     * @return the session, unsaved
     */
    public SessionData newSession() {
        return SessionData.newSession(SessionId.generate(), clock.instant(), idleTimeout, absoluteTimeout);
    }

    /**
     * Whether a load at {@code now} should write the last-access time of {@code session}.
     *
     * @param session the session just loaded
     * @param now the time of the load
     * @return true when the touch interval has passed since its last recorded access
     */
    public boolean shouldTouch(SessionData session, Instant now) {
        return !now.isBefore(session.lastAccessedAt().plus(touchInterval));
    }

    /**
     * Which sessions a store ends after {@code kept} gave its principal one session more than
     * {@link #maxSessionsPerPrincipal}: the least recently used of the others, as many as exceed
     * the limit. {@code kept}, the session that was just saved, is never among them.
     *
     * @param <K> how the store names its sessions
     * @param live the principal's live sessions (by any key the store uses), {@code kept} included
     * @param kept the session just saved
     * @return the keys of the sessions to end, least recently used first; empty within the limit
     */
    public <K> List<K> sessionsBeyondLimit(Map<K, SessionData> live, K kept) {
        int surplus = live.size() - maxSessionsPerPrincipal;
        if (surplus <= 0) {
            return List.of();
        }
        List<Map.Entry<K, SessionData>> others = new ArrayList<>();
        live.entrySet().stream().filter(e -> !e.getKey().equals(kept)).forEach(others::add);
        others.sort(Comparator.comparing((Map.Entry<K, SessionData> e) -> e.getValue().lastAccessedAt())
                .thenComparing(e -> e.getValue().createdAt()));
        List<K> ended = new ArrayList<>(surplus);
        for (int n = 0; n < surplus && n < others.size(); n++) {
            ended.add(others.get(n).getKey());
        }
        return ended;
    }

    /**
     * Base of the store builders: the shared options with their defaults (idle 30 min, absolute
     * 12 h, touch interval zero, JSON codec, system clock, no limit of sessions per principal).
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> {
        private AttributeCodec codec;
        private Clock clock = Clock.systemUTC();
        private Duration idleTimeout = Duration.ofMinutes(30);
        private Duration absoluteTimeout = Duration.ofHours(12);
        private Duration touchInterval = Duration.ZERO;
        private int maxSessionsPerPrincipal = UNLIMITED;

        /** For the store builders, which extend this one. */
        protected Builder() {
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /**
         * The attribute codec (default {@link AttributeCodec#json()}).
         *
         * @param codec the codec
         * @return this builder
         */
        public B codec(AttributeCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return self();
        }

        /**
         * The clock for expiry and last access (default the system clock in UTC).
         *
         * @param clock the clock; tests pass one they move by hand
         * @return this builder
         */
        public B clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return self();
        }

        /**
         * Idle timeout for new sessions (default 30 minutes); a session may change its own.
         *
         * @param timeout zero (no idle expiry) or positive
         * @return this builder
         */
        public B idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return self();
        }

        /**
         * Longest life of a session however active it is (default 12 hours).
         *
         * @param timeout positive
         * @return this builder
         */
        public B absoluteTimeout(Duration timeout) {
            this.absoluteTimeout = timeout;
            return self();
        }

        /**
         * The last-access time is written at most once per this interval. The default, zero,
         * writes it on every access, in the same script and round trip as the load, so that
         * {@code HttpSession.getLastAccessedTime()} is the previous request's time on any node, as
         * the Servlet spec asks. A longer interval saves Redis writes on busy sessions, at the
         * price of a last-access time (and an idle expiry) that may be that much early.
         *
         * @param interval zero or positive
         * @return this builder
         */
        public B touchInterval(Duration interval) {
            this.touchInterval = interval;
            return self();
        }

        /**
         * Caps the live sessions of one principal (default: no limit). When a save gives a session a
         * principal (a login) and that principal then has more than {@code max} live sessions, the
         * store ends the least recently used of its other sessions until {@code max} are left, as if
         * they had been invalidated elsewhere: their next request starts a new session, logged out.
         * The session being saved is never ended, so a login always succeeds and a user who lost a
         * device's cookie is never locked out. Anonymous sessions are not counted. Concurrent logins
         * of one principal may end one session more than needed, never leave more than {@code max}.
         *
         * @param max at least 1
         * @return this builder
         * @throws IllegalArgumentException at {@code build()} when {@code max} is less than 1
         */
        public B maxSessionsPerPrincipal(int max) {
            this.maxSessionsPerPrincipal = max;
            return self();
        }

        /**
         * Validates the shared options.
         *
         * @return the settings
         */
        protected SessionSettings settings() {
            return new SessionSettings(codec != null ? codec : AttributeCodec.json(), clock, idleTimeout,
                    absoluteTimeout, touchInterval, maxSessionsPerPrincipal);
        }
    }
}
