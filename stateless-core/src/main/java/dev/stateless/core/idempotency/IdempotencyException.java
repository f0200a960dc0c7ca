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
        LEASE_LOST
    }

    private final Reason reason;
    private final Duration retryAfter;

    public IdempotencyException(Reason reason, String message, Duration retryAfter) {
        super(message);
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public Reason reason() {
        return reason;
    }

    /** For {@link Reason#IN_PROGRESS}: how long the current holder's lease still runs. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
