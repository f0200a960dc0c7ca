package dev.stateless.core.idempotency;

import dev.stateless.core.session.AttributeCodec;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operations exactly once per idempotency key, for code that is not a servlet (message
 * consumers, jobs, tests):
 *
 * <pre>{@code
 * Idempotency idempotency = Idempotency.builder(store).build();
 * Order order = idempotency.execute(message.id(), message.bodyHash(), () -> orders.place(message));
 * }</pre>
 *
 * <p>The first call for a key runs the operation and stores its result (encoded with the codec:
 * JSON by default, so a result type of your own must be allowed by it); every later call with the
 * same key and fingerprint returns that first result without running anything. While the operation
 * runs, its lease is extended in the background (a heartbeat), so a slow operation is not taken
 * over. An operation that throws releases the key, so a retry runs it again.
 *
 * <p>Thread-safe; share one instance and {@link #close()} it at shutdown (it owns the heartbeat thread).
 */
public final class Idempotency implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Idempotency.class);
    private static final byte[] NULL_RESULT = new byte[0];

    private final IdempotencyKeyStore store;
    private final AttributeCodec codec;
    private final Duration heartbeat;
    private final Duration waitForInProgress;
    private final ScheduledExecutorService scheduler;

    private Idempotency(Builder b) {
        this.store = b.store;
        this.codec = b.codec != null ? b.codec : AttributeCodec.json();
        this.heartbeat = b.heartbeat != null ? b.heartbeat : defaultHeartbeat(store.lease());
        this.waitForInProgress = b.waitForInProgress;
        ScheduledThreadPoolExecutor heartbeats = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "stateless-idempotency-heartbeat");
            t.setDaemon(true);
            return t;
        });
        // Most operations end long before their first beat: drop cancelled beats at once, or every
        // request would leave one queued for a third of the lease.
        heartbeats.setRemoveOnCancelPolicy(true);
        this.scheduler = heartbeats;
    }

    private static Duration defaultHeartbeat(Duration lease) {
        Duration third = lease.dividedBy(3);
        return third.isZero() ? Duration.ofMillis(1) : third;
    }

    public static Builder builder(IdempotencyKeyStore store) {
        return new Builder(store);
    }

    /**
     * Runs {@code operation} once for {@code key}, or returns the result of the run that did.
     *
     * @throws IdempotencyException {@link IdempotencyException.Reason#IN_PROGRESS} when another caller
     *     is running it (after waiting, if configured), {@link IdempotencyException.Reason#FINGERPRINT_MISMATCH}
     *     when the key was used for another fingerprint, {@link IdempotencyException.Reason#LEASE_LOST}
     *     when this run's lease was taken over before it finished
     * @throws dev.stateless.core.StoreUnavailableException when the store cannot be reached; the
     *     operation has not run (fail closed)
     * @throws RuntimeException whatever {@code operation} threw, after the key was released
     */
    @SuppressWarnings("unchecked")
    public <T> T execute(String key, String fingerprint, Supplier<T> operation) {
        Objects.requireNonNull(operation, "operation");
        if (scheduler.isShutdown()) {
            throw new IllegalStateException("this Idempotency was closed");
        }
        Acquisition acquisition = acquire(key, fingerprint);
        if (acquisition instanceof Acquisition.Completed completed) {
            return completed.result().length == 0 ? null : (T) codec.decode(completed.result());
        }
        long token = ((Acquisition.Acquired) acquisition).token();
        Heartbeat heartbeat;
        try {
            heartbeat = heartbeat(key, token);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            releaseQuietly(key, token);
            throw new IllegalStateException("this Idempotency was closed", e);
        }
        T result;
        byte[] encoded;
        try (Heartbeat beat = heartbeat) {
            try {
                result = operation.get();
                // A result the codec refuses is a programming error; the key is released so that
                // nobody waits for a result that will never be stored.
                encoded = result == null ? NULL_RESULT : codec.encode(result);
            } catch (RuntimeException | Error e) {
                releaseQuietly(key, token);
                throw e;
            }
            if (!store.complete(key, token, encoded)) {
                throw new IdempotencyException(IdempotencyException.Reason.LEASE_LOST,
                        "the lease on the idempotency key expired and was taken over before the operation finished",
                        null);
            }
        }
        return result;
    }

    /**
     * Acquires the key, waiting up to the configured time while another caller holds it.
     *
     * @return {@link Acquisition.Acquired} or {@link Acquisition.Completed}
     * @throws IdempotencyException for a fingerprint mismatch, or a key still in progress
     */
    public Acquisition acquire(String key, String fingerprint) {
        long deadline = System.nanoTime() + waitForInProgress.toNanos();
        long pause = 20;
        while (true) {
            Acquisition acquisition = store.acquire(key, fingerprint);
            if (acquisition instanceof Acquisition.FingerprintMismatch) {
                throw new IdempotencyException(IdempotencyException.Reason.FINGERPRINT_MISMATCH,
                        "the idempotency key was already used for a different request", null);
            }
            if (!(acquisition instanceof Acquisition.InProgress inProgress)) {
                return acquisition;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IdempotencyException(IdempotencyException.Reason.IN_PROGRESS,
                        "the operation for this idempotency key is still running", inProgress.retryAfter());
            }
            sleep(Math.min(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1), inProgress.retryAfter().toMillis() + 1));
            pause = Math.min(pause * 2, 250);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IdempotencyException(IdempotencyException.Reason.IN_PROGRESS,
                    "interrupted while waiting for the operation of this idempotency key", null);
        }
    }

    /**
     * Keeps the lease of {@code token} alive until the returned heartbeat is closed; for callers
     * that drive the store themselves (the servlet filter).
     */
    public Heartbeat heartbeat(String key, long token) {
        return new Heartbeat(key, token);
    }

    /** Releases a key after a failure, logging rather than masking the failure if the store is away. */
    public void releaseQuietly(String key, long token) {
        try {
            store.release(key, token);
        } catch (RuntimeException e) {
            log.warn("Could not release an idempotency key after a failed operation; it frees itself when its lease "
                    + "ends: {}", e.getMessage());
        }
    }

    public IdempotencyKeyStore store() {
        return store;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** Extends a lease periodically while open. */
    public final class Heartbeat implements AutoCloseable {
        private final ScheduledFuture<?> task;
        private volatile boolean lost;

        private Heartbeat(String key, long token) {
            long period = heartbeat.toMillis() == 0 ? 1 : heartbeat.toMillis();
            this.task = scheduler.scheduleWithFixedDelay(() -> {
                if (lost) {
                    return;
                }
                try {
                    lost = !store.extend(key, token);
                } catch (RuntimeException e) {
                    // Transient (the store is away): the next beat tries again while the lease lasts.
                    log.warn("Could not extend an idempotency lease: {}", e.getMessage());
                }
            }, period, period, TimeUnit.MILLISECONDS);
        }

        /** True once an extension was refused: the key was taken over. */
        public boolean lost() {
            return lost;
        }

        @Override
        public void close() {
            task.cancel(false);
        }
    }

    /** Configures {@link Idempotency}. */
    public static final class Builder {
        private final IdempotencyKeyStore store;
        private AttributeCodec codec;
        private Duration heartbeat;
        private Duration waitForInProgress = Duration.ZERO;

        private Builder(IdempotencyKeyStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** Encodes results (default {@link AttributeCodec#json()}). */
        public Builder codec(AttributeCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** How often a running operation's lease is extended (default a third of the lease). */
        public Builder heartbeat(Duration interval) {
            Objects.requireNonNull(interval, "heartbeat");
            if (interval.isNegative() || interval.isZero() || interval.compareTo(store.lease()) >= 0) {
                throw new IllegalArgumentException("heartbeat must be positive and shorter than the lease ("
                        + store.lease() + "), was " + interval);
            }
            this.heartbeat = interval;
            return this;
        }

        /**
         * How long a call waits for another caller's run of the same key to finish before failing with
         * {@link IdempotencyException.Reason#IN_PROGRESS} (default zero: fail at once).
         */
        public Builder waitForInProgress(Duration wait) {
            Objects.requireNonNull(wait, "waitForInProgress");
            if (wait.isNegative()) {
                throw new IllegalArgumentException("waitForInProgress must not be negative, was " + wait);
            }
            this.waitForInProgress = wait;
            return this;
        }

        public Idempotency build() {
            return new Idempotency(this);
        }
    }
}
