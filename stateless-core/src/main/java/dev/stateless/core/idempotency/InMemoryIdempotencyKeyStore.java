package dev.stateless.core.idempotency;

import dev.stateless.core.CorruptDataException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link IdempotencyKeyStore} in this JVM's memory, with the semantics of the Redis one (leases,
 * fencing tokens, retention), timed by the configured {@link java.time.Clock}. For unit tests and
 * single-node tools. Thread-safe.
 */
public final class InMemoryIdempotencyKeyStore implements IdempotencyKeyStore {

    private enum State { IN_PROGRESS, COMPLETED, FAILED, RELEASED }

    private record Entry(String fingerprint, long token, State state, Instant leaseUntil, byte[] result, Instant expiresAt) {
    }

    /**
     * Stands for a record this store cannot read, which only {@link #plantUnreadable} puts here:
     * memory cannot be corrupted the way a shared server's keys can, but the contract suite checks
     * that every store answers such data alike.
     */
    private static final Entry UNREADABLE = new Entry(null, 0, null, null, null, Instant.MAX);

    private final IdempotencySettings settings;
    private record Count(long hour, int records) {
    }

    private static final long HOUR_MILLIS = Duration.ofHours(1).toMillis();

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Count> counts = new ConcurrentHashMap<>();

    private InMemoryIdempotencyKeyStore(IdempotencySettings settings) {
        this.settings = settings;
    }

    /**
     * Starts the configuration of a store that keeps its records in this JVM's memory.
     *
     * @return a builder with the default lease and retention
     */
    public static Builder builder() {
        return new Builder();
    }

    private Instant now() {
        return settings.clock().instant();
    }

    @Override
    public Acquisition acquire(String key, String fingerprint) {
        return acquire(key, fingerprint, null, 0);
    }

    @Override
    public Acquisition acquire(String key, String fingerprint, String scope, int maxNewPerHour) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (scope != null && maxNewPerHour < 1) {
            throw new IllegalArgumentException("maxNewPerHour must be at least 1, was " + maxNewPerHour);
        }
        Instant now = now();
        Acquisition[] outcome = new Acquisition[1];
        entries.compute(key, (k, e) -> {
            requireReadable(e);
            if (e != null && !now.isBefore(e.expiresAt())) {
                e = null;
            }
            if (e != null) {
                if (!e.fingerprint().equals(fingerprint)) {
                    outcome[0] = new Acquisition.FingerprintMismatch();
                    return e;
                }
                if (e.state() == State.COMPLETED) {
                    outcome[0] = new Acquisition.Completed(e.result().clone());
                    return e;
                }
                if (e.state() == State.FAILED) {
                    outcome[0] = new Acquisition.Failed();
                    return e;
                }
                if (e.state() == State.IN_PROGRESS && now.isBefore(e.leaseUntil())) {
                    outcome[0] = new Acquisition.InProgress(Duration.between(now, e.leaseUntil()));
                    return e;
                }
            }
            if (e == null && scope != null) {
                Acquisition limited = count(scope, maxNewPerHour, now);
                if (limited != null) {
                    outcome[0] = limited;
                    return null;
                }
            }
            long token = (e == null ? 0 : e.token()) + 1;
            outcome[0] = new Acquisition.Acquired(token);
            return new Entry(fingerprint, token, State.IN_PROGRESS, now.plus(settings.lease()), null,
                    now.plus(settings.retention()));
        });
        return outcome[0];
    }

    @Override
    public boolean complete(String key, long token, byte[] result) {
        Objects.requireNonNull(result, "result");
        byte[] copy = result.clone();
        return update(key, token, (e, now) -> new Entry(e.fingerprint(), e.token(), State.COMPLETED, null, copy,
                now.plus(settings.retention())));
    }

    /** Counts a new record of {@code scope}, or answers why not. */
    private Acquisition count(String scope, int max, Instant now) {
        long hour = Math.floorDiv(now.toEpochMilli(), HOUR_MILLIS);
        Acquisition[] refused = new Acquisition[1];
        counts.compute(scope, (s, c) -> {
            Count current = c == null || c.hour() != hour ? new Count(hour, 0) : c;
            if (current.records() >= max) {
                refused[0] = new Acquisition.LimitReached(
                        Duration.ofMillis((hour + 1) * HOUR_MILLIS - now.toEpochMilli()));
                return current;
            }
            return new Count(hour, current.records() + 1);
        });
        return refused[0];
    }

    @Override
    public boolean fail(String key, long token) {
        return update(key, token, (e, now) -> new Entry(e.fingerprint(), e.token(), State.FAILED, null, null,
                now.plus(settings.retention())));
    }

    @Override
    public boolean release(String key, long token) {
        return update(key, token, (e, now) -> new Entry(e.fingerprint(), e.token(), State.RELEASED, null, null,
                e.expiresAt()));
    }

    @Override
    public boolean extend(String key, long token) {
        return update(key, token, (e, now) -> {
            Instant leaseUntil = now.plus(settings.lease());
            // A held key outlives its retention for as long as its holder keeps extending it.
            Instant expiresAt = e.expiresAt().isBefore(leaseUntil) ? leaseUntil : e.expiresAt();
            return new Entry(e.fingerprint(), e.token(), State.IN_PROGRESS, leaseUntil, null, expiresAt);
        });
    }

    private interface Transition {
        Entry apply(Entry current, Instant now);
    }

    /** Applies {@code transition} when {@code token} still holds the key's lease. */
    private boolean update(String key, long token, Transition transition) {
        Objects.requireNonNull(key, "key");
        Instant now = now();
        boolean[] done = new boolean[1];
        entries.computeIfPresent(key, (k, e) -> {
            requireReadable(e);
            if (!now.isBefore(e.expiresAt())) {
                return null;
            }
            if (e.state() != State.IN_PROGRESS || e.token() != token) {
                return e;
            }
            done[0] = true;
            return transition.apply(e, now);
        });
        return done[0];
    }

    private static void requireReadable(Entry entry) {
        if (entry == UNREADABLE) {
            throw new CorruptDataException("The idempotency record under a key cannot be read; nothing was changed");
        }
    }

    /** For the contract suite: replaces the record under {@code key} by one this store cannot read. */
    void plantUnreadable(String key) {
        entries.put(Objects.requireNonNull(key, "key"), UNREADABLE);
    }

    @Override
    public Duration lease() {
        return settings.lease();
    }

    @Override
    public Duration retention() {
        return settings.retention();
    }

    /** Always {@link dev.stateless.core.Health.Status#UP UP}: the data lives in this process. */
    @Override
    public dev.stateless.core.Health health() {
        return dev.stateless.core.Health.inProcess(this);
    }

    @Override
    public void close() {
        entries.clear();
        counts.clear();
    }

    /** Configures an {@link InMemoryIdempotencyKeyStore}. */
    public static final class Builder extends IdempotencySettings.Builder<Builder> {
        private Builder() {
        }

        /**
         * Makes the store.
         *
         * @return a thread-safe store
         */
        public InMemoryIdempotencyKeyStore build() {
            return new InMemoryIdempotencyKeyStore(settings());
        }
    }
}
