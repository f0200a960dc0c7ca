package dev.stateless.core.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The options every {@link IdempotencyKeyStore} shares.
 *
 * @param lease how long a holder keeps a key without extending it (default 30 s)
 * @param retention how long a key and its result are kept (default 24 h)
 * @param clock time source of stores that keep time themselves (Redis uses its own clock)
 */
public record IdempotencySettings(Duration lease, Duration retention, Clock clock) {

    /**
     * Checks that each value is given and that the lease and the retention are positive.
     *
     * @param clock the store's clock
     * @param lease how long a lease lasts
     * @param retention how long a record is kept
     */
    public IdempotencySettings {
        requirePositive("lease", lease);
        requirePositive("retention", retention);
        Objects.requireNonNull(clock, "clock");
        if (retention.compareTo(lease) < 0) {
            throw new IllegalArgumentException("retention (" + retention + ") must not be shorter than lease (" + lease + ")");
        }
        if (lease.toMillis() < 1) {
            throw new IllegalArgumentException("lease must be at least 1 ms, was " + lease);
        }
    }

    private static void requirePositive(String option, Duration value) {
        Objects.requireNonNull(value, option);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(option + " must be positive, was " + value);
        }
    }

    /**
     * Base of the store builders.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> {
        private Duration lease = Duration.ofSeconds(30);
        private Duration retention = Duration.ofHours(24);
        private Clock clock = Clock.systemUTC();

        /** For the builders of the stores, which extend this one. */
        protected Builder() {
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /**
         * How long a holder keeps a key without extending it (default 30 s).
         *
         * @param lease positive
         * @return this builder
         */
        public B lease(Duration lease) {
            this.lease = lease;
            return self();
        }

        /**
         * How long a key and its result are kept (default 24 h).
         *
         * @param retention positive
         * @return this builder
         */
        public B retention(Duration retention) {
            this.retention = retention;
            return self();
        }

        /**
         * The clock for leases, retention and the hourly record count (default the system clock in UTC).
         *
         * @param clock the clock; tests pass one they move by hand
         * @return this builder
         */
        public B clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return self();
        }

        /**
         * The settings as configured, for the store's constructor.
         *
         * @return the settings
         */
        protected IdempotencySettings settings() {
            return new IdempotencySettings(lease, retention, clock);
        }
    }
}
