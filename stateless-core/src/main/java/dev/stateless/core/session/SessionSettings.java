package dev.stateless.core.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The options every {@link SessionStore} shares, as a store's builder validated them.
 *
 * @param codec encodes attribute values
 * @param clock the time source for creation, access and expiry
 * @param idleTimeout how long a session lives without a request (sliding)
 * @param absoluteTimeout how long a session lives at most after creation, however active
 * @param touchInterval the least time between two writes of the last-access time
 */
public record SessionSettings(AttributeCodec codec, Clock clock, Duration idleTimeout, Duration absoluteTimeout,
        Duration touchInterval) {

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
    }

    static void requirePositive(String option, Duration value) {
        Objects.requireNonNull(value, option);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(option + " must be positive, was " + value);
        }
    }

    /** A new, unsaved session with these timeouts. */
    public SessionData newSession() {
        return SessionData.newSession(SessionId.generate(), clock.instant(), idleTimeout, absoluteTimeout);
    }

    /** Whether a load at {@code now} should write the last-access time of {@code session}. */
    public boolean shouldTouch(SessionData session, Instant now) {
        return !now.isBefore(session.lastAccessedAt().plus(touchInterval));
    }

    /**
     * Base of the store builders: the shared options with their defaults (idle 30 min, absolute
     * 12 h, touch interval zero, JSON codec, system clock).
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> {
        private AttributeCodec codec;
        private Clock clock = Clock.systemUTC();
        private Duration idleTimeout = Duration.ofMinutes(30);
        private Duration absoluteTimeout = Duration.ofHours(12);
        private Duration touchInterval = Duration.ZERO;

        protected Builder() {
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** The attribute codec (default {@link AttributeCodec#json()}). */
        public B codec(AttributeCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return self();
        }

        public B clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return self();
        }

        /** Idle timeout for new sessions (default 30 minutes); a session may change its own. */
        public B idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return self();
        }

        /** Longest life of a session however active it is (default 12 hours). */
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
         */
        public B touchInterval(Duration interval) {
            this.touchInterval = interval;
            return self();
        }

        /** Validates the shared options. */
        protected SessionSettings settings() {
            return new SessionSettings(codec != null ? codec : AttributeCodec.json(), clock, idleTimeout,
                    absoluteTimeout, touchInterval);
        }
    }
}
