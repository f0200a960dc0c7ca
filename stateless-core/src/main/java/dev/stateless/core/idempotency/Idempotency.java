package dev.stateless.core.idempotency;

import dev.stateless.core.metrics.Meters;
import dev.stateless.core.session.AttributeCodec;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operations exactly once per idempotency key. For code that is not a servlet (message
 * consumers, jobs):
 *
 * <pre>{@code
 * Idempotency idempotency = Idempotency.builder(store)
 *         .codec(JsonAttributeCodec.builder().allow(Receipt.class).build())
 *         .build();
 * Receipt receipt = idempotency.execute(message.id(), message.bodyHash(), Receipt.class,
 *         () -> payments.charge(message));
 * }</pre>
 *
 * <p>The first call for a key runs the operation and stores its result, encoded with the codec
 * (JSON by default, so a result type of your own must be allowed by it); every later call with the
 * same key and fingerprint returns that first result without running anything. While the operation
 * runs, its lease is extended in the background (a heartbeat), so a slow operation is not taken over.
 *
 * <p>Once the operation may have had its effect, the key is never given back for a second run:
 * <ul>
 * <li>the result type is checked against the codec before anything runs
 *     ({@link AttributeCodec#requireEncodable}); a type it refuses fails at once and takes no key;</li>
 * <li>an operation that throws releases the key, so a retry runs it again: throw only when the
 *     operation had no effect (or is itself idempotent);</li>
 * <li>a result that cannot be recorded after the run (the codec refuses the value, the store refuses
 *     the write) completes the key with a recorded failure: this call and every repeat fail with
 *     {@link IdempotencyException.Reason#RESULT_NOT_RECORDED}, and the operation never runs again
 *     for the key;</li>
 * <li>only a store that stays unreachable from the run until the lease ends (or a node that dies)
 *     lets the lease expire, and then a retry runs again: make the effect itself idempotent by the
 *     key where that matters.</li>
 * </ul>
 *
 * <p>Callers that run the operation themselves (the servlet filter) use {@link #begin}, which hands
 * out the key's {@link Lease}: the one place where a key is acquired, kept alive and ended.
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
    private final int maxRecordsPerScopeAndHour;
    private final ScheduledExecutorService scheduler;
    private final Meters.Counter outcomes;

    private Idempotency(Builder b) {
        this.store = b.store;
        Meters meters = Meters.of(b.meterRegistry);
        this.codec = meters.codec(b.codec != null ? b.codec : AttributeCodec.json());
        this.outcomes = meters.counter("stateless.idempotency.requests",
                "Idempotent requests by outcome: first run, replay, or why none ran", "outcome");
        this.heartbeat = b.heartbeat != null ? b.heartbeat : defaultHeartbeat(store.lease());
        this.waitForInProgress = b.waitForInProgress;
        this.maxRecordsPerScopeAndHour = b.maxRecordsPerScopeAndHour;
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

    /**
     * Starts the configuration of an {@code Idempotency} over {@code store}, which the caller keeps and
     * closes.
     *
     * @param store where the keys, leases and results are recorded
     * @return a builder with the defaults: JSON results, a heartbeat of a third of the lease, no wait, no
     *     record limit
     */
    public static Builder builder(IdempotencyKeyStore store) {
        return new Builder(store);
    }

    /**
     * Runs {@code operation} once for {@code key}, or returns the result of the run that did.
     *
     * @param <T> the result's type
     * @param key the caller's key, already scoped (by user, tenant...) where keys of different
     *     callers could meet
     * @param fingerprint identifies the request; a repeat with another fingerprint is refused
     * @param type the result's type, checked against the codec before anything runs
     * @param operation the work to run at most once; it runs on the calling thread
     * @return what {@code operation} returned, on this call or the first one (decoded from the store)
     * @throws dev.stateless.core.session.AttributeCodecException before running, when the codec can
     *     encode no value of {@code type}
     * @throws IdempotencyException {@link IdempotencyException.Reason#IN_PROGRESS} when another caller
     *     is running it (after waiting, if configured), {@link IdempotencyException.Reason#FINGERPRINT_MISMATCH}
     *     when the key was used for another fingerprint, {@link IdempotencyException.Reason#LEASE_LOST}
     *     when this run's lease was taken over before it finished,
     *     {@link IdempotencyException.Reason#RESULT_NOT_RECORDED} when this run's (or the first run's)
     *     result could not be recorded, {@link IdempotencyException.Reason#LIMIT_REACHED} when a
     *     record limit is configured and reached
     * @throws dev.stateless.core.StoreUnavailableException when the store cannot be reached; the
     *     operation has not run (fail closed)
     * @throws RuntimeException whatever {@code operation} threw, after the key was released
     */
    public <T> T execute(String key, String fingerprint, Class<T> type, Supplier<? extends T> operation) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(operation, "operation");
        codec.requireEncodable(type);
        Class<?> boxed = type.isPrimitive() ? MethodType.methodType(type).wrap().returnType() : type;
        Attempt attempt = begin("", key, fingerprint);
        if (attempt instanceof Attempt.Replay replay) {
            return replay.result().length == 0 ? null : cast(boxed, codec.decode(replay.result()));
        }
        try (Lease lease = ((Attempt.Run) attempt).lease()) {
            T result;
            try {
                result = operation.get();
            } catch (RuntimeException | Error e) {
                lease.release();
                throw e;
            }
            byte[] encoded;
            try {
                encoded = result == null ? NULL_RESULT : codec.encode(result);
            } catch (RuntimeException e) {
                throw lease.fail(e);
            }
            lease.complete(encoded);
            return result;
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Class<?> type, Object value) {
        if (!type.isInstance(value)) {
            throw new IdempotencyException(IdempotencyException.Reason.FINGERPRINT_MISMATCH,
                    "the result stored for this idempotency key is a " + value.getClass().getName() + ", not a "
                            + type.getName() + ": the key was used for another operation", null);
        }
        return (T) value;
    }

    /**
     * Takes the key for a caller that runs the operation itself, waiting up to the configured time
     * while another caller holds it. {@code scope} and {@code key} together name the record, so keys
     * of different scopes never meet; the record limit ({@link Builder#maxRecordsPerScopeAndHour})
     * counts per scope.
     *
     * @param scope whom the key belongs to (a user, a tenant) and whom the record limit counts; any text, may
     *     be empty
     * @param key the caller's idempotency key
     * @param fingerprint identifies the request; a repeat with another fingerprint is refused
     * @return {@link Attempt.Run} with the lease the caller now owns and must end, or
     *     {@link Attempt.Replay} with the first run's stored result
     * @throws IdempotencyException for a fingerprint mismatch, a key still in progress, a first run
     *     whose result was not recorded, or a reached record limit; nothing is held then
     * @throws dev.stateless.core.StoreUnavailableException when the store cannot be reached
     */
    public Attempt begin(String scope, String key, String fingerprint) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        return outcomes.call(() -> acquire(scope, key, fingerprint),
                attempt -> attempt instanceof Attempt.Run ? "first_run" : "replay");
    }

    private Attempt acquire(String scope, String key, String fingerprint) {
        if (scheduler.isShutdown()) {
            throw new IllegalStateException("this Idempotency was closed");
        }
        // Length-prefixed, so no scope/key pair can be spelled like another.
        String record = scope.length() + ":" + scope + ":" + key;
        long deadline = System.nanoTime() + waitForInProgress.toNanos();
        long pause = 20;
        while (true) {
            Acquisition acquisition = maxRecordsPerScopeAndHour > 0
                    ? store.acquire(record, fingerprint, scope, maxRecordsPerScopeAndHour)
                    : store.acquire(record, fingerprint);
            if (acquisition instanceof Acquisition.Acquired acquired) {
                return new Attempt.Run(startLease(record, acquired.token()));
            }
            if (acquisition instanceof Acquisition.Completed completed) {
                return new Attempt.Replay(completed.result());
            }
            if (acquisition instanceof Acquisition.FingerprintMismatch) {
                throw new IdempotencyException(IdempotencyException.Reason.FINGERPRINT_MISMATCH,
                        "the idempotency key was already used for a different request", null);
            }
            if (acquisition instanceof Acquisition.Failed) {
                throw notRecorded(null);
            }
            if (acquisition instanceof Acquisition.LimitReached limit) {
                throw new IdempotencyException(IdempotencyException.Reason.LIMIT_REACHED,
                        "too many new idempotency keys in this hour (at most " + maxRecordsPerScopeAndHour + ")",
                        limit.retryAfter());
            }
            Acquisition.InProgress inProgress = (Acquisition.InProgress) acquisition;
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IdempotencyException(IdempotencyException.Reason.IN_PROGRESS,
                        "the operation for this idempotency key is still running", inProgress.retryAfter());
            }
            sleep(Math.min(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1),
                    inProgress.retryAfter().toMillis() + 1));
            pause = Math.min(pause * 2, 250);
        }
    }

    private Lease startLease(String record, long token) {
        try {
            return new Lease(record, token);
        } catch (RejectedExecutionException e) {
            try {
                store.release(record, token); // nothing ran yet
            } catch (RuntimeException away) {
                log.warn("Could not release an idempotency key; it frees itself when its lease ends: {}", away.getMessage());
            }
            throw new IllegalStateException("this Idempotency was closed", e);
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
    }

    private static IdempotencyException notRecorded(Throwable cause) {
        return new IdempotencyException(IdempotencyException.Reason.RESULT_NOT_RECORDED,
                "the operation for this idempotency key ran, but its result could not be recorded; "
                        + "it will not run again for this key", null, cause);
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

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** What {@link #begin} found. */
    public sealed interface Attempt {
        /** The caller holds the key and runs the operation; it owns {@code lease} and must end it. */
        record Run(Lease lease) implements Attempt {
            /**
             * Checks that {@code lease} is given.
             *
             * @param lease the lease the caller owns
             */
            public Run {
                Objects.requireNonNull(lease, "lease");
            }
        }

        /** The operation ran before; {@code result} is what its run stored. The array must not be modified. */
        record Replay(byte[] result) implements Attempt {
            /**
             * Checks that {@code result} is given.
             *
             * @param result the first run's stored result
             */
            public Replay {
                Objects.requireNonNull(result, "result");
            }
        }
    }

    /**
     * A held key, kept alive by a heartbeat until it ends. Its one owner ends it once, with
     * {@link #complete} (the result), {@link #release} (the operation failed before having any
     * effect; a retry runs it) or {@link #fail} (it ran but the result cannot be recorded).
     * {@link #close()} stops the heartbeat and, if none of them was called, records a failure:
     * an owner that loses track of its outcome never frees the key for a second run. Thread-safe,
     * so that an asynchronous request may end its lease on another thread.
     */
    public final class Lease implements AutoCloseable {
        private final String record;
        private final long token;
        private final ScheduledFuture<?> beat;
        private volatile boolean lost;
        private boolean ended;

        private Lease(String record, long token) {
            this.record = record;
            this.token = token;
            long period = Math.max(1, heartbeat.toMillis());
            this.beat = scheduler.scheduleWithFixedDelay(() -> {
                if (lost) {
                    return;
                }
                try {
                    lost = !store.extend(record, token);
                } catch (RuntimeException e) {
                    // Transient (the store is away): the next beat tries again while the lease lasts.
                    log.warn("Could not extend an idempotency lease: {}", e.getMessage());
                }
            }, period, period, TimeUnit.MILLISECONDS);
        }

        /**
         * Records the result and ends the lease. When the store refuses or cannot take it, the key is
         * completed with a recorded failure instead (if the store can still be reached).
         *
         * @param result the encoded result, as the codec made it (empty for a {@code null} result)
         * @throws IdempotencyException {@link IdempotencyException.Reason#LEASE_LOST} when the key was
         *     taken over (nothing stored), {@link IdempotencyException.Reason#RESULT_NOT_RECORDED} when
         *     the result could not be stored
         * @throws IllegalStateException when the lease was already ended
         */
        public synchronized void complete(byte[] result) {
            Objects.requireNonNull(result, "result");
            end();
            boolean stored;
            try {
                stored = store.complete(record, token, result);
            } catch (RuntimeException e) {
                throw outcome(false, e);
            }
            IdempotencyException refused = outcome(stored, null);
            if (refused != null) {
                throw refused;
            }
        }

        /**
         * {@link #complete} without waiting for the store: the result is sent at once (through
         * {@link IdempotencyKeyStore#completeAsync}), so that a caller's other writes (the session's
         * save) share its round trip. The lease ends now; the future completes once the result is
         * stored, or exceptionally with the {@link IdempotencyException} that {@link #complete}
         * would throw, after recording the failure where the store can still take it.
         *
         * @param result the encoded result, as the codec made it (empty for a {@code null} result)
         * @return completes when the result is stored
         * @throws IllegalStateException when the lease was already ended
         */
        public synchronized CompletableFuture<Void> completeAsync(byte[] result) {
            Objects.requireNonNull(result, "result");
            end();
            CompletableFuture<Boolean> sent;
            try {
                sent = store.completeAsync(record, token, result);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            sent.whenComplete((stored, failure) -> {
                if (failure == null) {
                    IdempotencyException lostLease = outcome(stored, null);
                    if (lostLease == null) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(lostLease);
                    }
                    return;
                }
                // Recording the failure waits for the store: never on the store's own I/O thread.
                Runnable record = () -> done.completeExceptionally(outcome(false, unwrap(failure)));
                try {
                    scheduler.execute(record);
                } catch (RejectedExecutionException e) {
                    record.run(); // closed meanwhile
                }
            });
            return done;
        }

        /** What a completion's answer means: null once stored, else the exception to throw (a failure recorded). */
        private IdempotencyException outcome(boolean stored, Throwable failure) {
            if (failure != null) {
                recordFailure();
                return notRecorded(failure);
            }
            if (!stored) {
                return new IdempotencyException(IdempotencyException.Reason.LEASE_LOST,
                        "the lease on the idempotency key expired and was taken over before the operation finished",
                        null);
            }
            return null;
        }

        /**
         * Ends the lease with a recorded failure: the operation ran, but its result cannot be recorded;
         * it never runs again for this key.
         *
         * @param cause why the result cannot be recorded (the codec's refusal, say)
         * @return the exception ({@link IdempotencyException.Reason#RESULT_NOT_RECORDED}) to throw,
         *     with {@code cause}
         * @throws IllegalStateException when the lease was already ended
         */
        public synchronized IdempotencyException fail(Throwable cause) {
            end();
            recordFailure();
            return notRecorded(cause);
        }

        /**
         * Gives the key back without a result, so that a retry runs the operation again: only for an
         * operation that failed before having any effect. A store that is away is logged, not thrown:
         * the key then frees itself when its lease ends.
         *
         * @throws IllegalStateException when the lease was already ended
         */
        public synchronized void release() {
            end();
            try {
                store.release(record, token);
            } catch (RuntimeException e) {
                log.warn("Could not release an idempotency key after a failed operation; it frees itself when its "
                        + "lease ends: {}", e.getMessage());
            }
        }

        /**
         * True once an extension was refused: the key was taken over by another caller.
         *
         * @return whether another caller has taken the key over
         */
        public boolean lost() {
            return lost;
        }

        /** Stops the heartbeat; records a failure when the lease was not ended. Never throws. */
        @Override
        public synchronized void close() {
            if (!ended) {
                ended = true;
                beat.cancel(false);
                log.error("An idempotency lease was closed without an outcome; the key is completed with a recorded "
                        + "failure so the operation cannot run again");
                recordFailure();
            }
        }

        private void end() {
            if (ended) {
                throw new IllegalStateException("this idempotency lease was already ended");
            }
            ended = true;
            beat.cancel(false);
        }

        private void recordFailure() {
            try {
                if (!store.fail(record, token)) {
                    log.warn("An idempotency key whose result could not be recorded was no longer held by this caller");
                }
            } catch (RuntimeException e) {
                log.error("An operation ran but neither its result nor its failure could be recorded; the key frees "
                        + "itself when its lease ends and a retry would run it again: {}", e.getMessage());
            }
        }
    }

    /** Configures {@link Idempotency}. */
    public static final class Builder {
        private final IdempotencyKeyStore store;
        private AttributeCodec codec;
        private Duration heartbeat;
        private Duration waitForInProgress = Duration.ZERO;
        private int maxRecordsPerScopeAndHour;
        private MeterRegistry meterRegistry;

        private Builder(IdempotencyKeyStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * Counts {@code stateless.idempotency.requests} by outcome ({@code first_run}, {@code replay},
         * {@code in_progress}, {@code fingerprint_mismatch}, {@code unavailable}, ...) and the result
         * codec's refusals into {@code registry}. Micrometer is an optional dependency: without this
         * call nothing needs it.
         *
         * @param registry where the meters go
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Encodes results (default {@link AttributeCodec#json()}).
         *
         * @param codec encodes and decodes the stored results
         * @return this builder
         */
        public Builder codec(AttributeCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * How often a running operation's lease is extended (default a third of the lease).
         *
         * @param interval positive and shorter than the store's lease
         * @return this builder
         */
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
         *
         * @param wait zero or more
         * @return this builder
         */
        public Builder waitForInProgress(Duration wait) {
            Objects.requireNonNull(wait, "waitForInProgress");
            if (wait.isNegative()) {
                throw new IllegalArgumentException("waitForInProgress must not be negative, was " + wait);
            }
            this.waitForInProgress = wait;
            return this;
        }

        /**
         * At most this many new keys per scope in each clock hour (default: no limit); a new key over
         * the limit fails with {@link IdempotencyException.Reason#LIMIT_REACHED} and stores nothing,
         * while repeats of recorded keys still get their answers. {@link #execute} counts all its keys
         * in one scope.
         *
         * @param max at least 1
         * @return this builder
         */
        public Builder maxRecordsPerScopeAndHour(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxRecordsPerScopeAndHour must be at least 1, was " + max);
            }
            this.maxRecordsPerScopeAndHour = max;
            return this;
        }

        /**
         * Makes the {@code Idempotency}; it starts one heartbeat thread, which {@link Idempotency#close()}
         * stops.
         *
         * @return a thread-safe {@code Idempotency}
         */
        public Idempotency build() {
            return new Idempotency(this);
        }
    }
}
