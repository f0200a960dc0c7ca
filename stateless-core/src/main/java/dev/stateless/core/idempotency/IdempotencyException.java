package dev.stateless.core.idempotency;

import dev.stateless.core.StatelessException;
import java.time.Duration;
import java.util.Optional;

/** An idempotent operation could not run or its result could not be recorded; {@link #reason()} says why. */
public class IdempotencyException extends StatelessException {

    /** Why. */
    public enum Reason {
        /** Another caller is running the operation for this key right now; retry after {@link #retryAfter()}. */
        IN_PROGRESS,
        /** The key was first used for a different request; a client bug, never retry with this key. */
        FINGERPRINT_MISMATCH,
        /**
         * The caller's lease expired and another caller took the key over: the operation may have run
         * twice, and this caller's result was not recorded.
         */
        LEASE_LOST,
        /**
         * The operation ran, but its result could not be recorded (the codec refused it, or the store
         * refused to keep it). The key is completed with this failure: the operation never runs again
         * for it, and every repeat fails with this reason. Use a new key only for a new operation.
         */
        RESULT_NOT_RECORDED,
        /**
         * The key is new and its scope already made as many records as it may in this hour; nothing
         * ran and nothing was stored. Retry after {@link #retryAfter()}.
         */
        LIMIT_REACHED
    }

    /** Why the operation was not run or its result not given. */
    private final Reason reason;
    /** For {@link Reason#IN_PROGRESS} and {@link Reason#LIMIT_REACHED}: when to retry; else null. */
    private final Duration retryAfter;

    /**
     * An idempotency refusal.
     *
     * @param reason why
     * @param message what happened, without the key
     * @param retryAfter when to retry, or null
     */
    public IdempotencyException(Reason reason, String message, Duration retryAfter) {
        this(reason, message, retryAfter, null);
    }

    /**
     * An idempotency refusal with the failure behind it.
     *
     * @param reason why
     * @param message what happened, without the key
     * @param retryAfter when to retry, or null
     * @param cause the underlying failure, or null
     */
    public IdempotencyException(Reason reason, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    /**
     * Why the operation was not run, or its result not given.
     *
     * @return the reason, which decides the HTTP answer (409, 422, 503, ...)
     */
    public Reason reason() {
        return reason;
    }

    /**
     * For {@link Reason#IN_PROGRESS}, how long the current holder's lease still runs; for {@link
     * Reason#LIMIT_REACHED}, what is left of the hour.
     *
     * @return the wait, or empty for the other reasons
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
