package dev.stateless.core.idempotency;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link IdempotencyKeyStore#acquire} found: the caller may run the operation
 * ({@link Acquired}), someone else is running it ({@link InProgress}), it ran already
 * ({@link Completed}), it ran but its result could not be recorded ({@link Failed}), the key was
 * used for a different request ({@link FingerprintMismatch}), or the key is new and its scope has
 * made as many records as it may this hour ({@link LimitReached}).
 */
public sealed interface Acquisition {

    /**
     * The caller holds the key's lease and must run the operation, then complete or release the key
     * with {@code token}. A holder whose lease expired and was taken over has a smaller token, and
     * the store refuses its late completion: that is the fencing.
     */
    record Acquired(long token) implements Acquisition {
    }

    /** Another caller holds a live lease; {@code retryAfter} is what is left of it. */
    record InProgress(Duration retryAfter) implements Acquisition {
        /**
         * Checks that {@code retryAfter} is given.
         *
         * @param retryAfter what is left of the holder's lease
         */
        public InProgress {
            Objects.requireNonNull(retryAfter, "retryAfter");
        }
    }

    /** The operation completed; {@code result} is what its holder stored. The array must not be modified. */
    record Completed(byte[] result) implements Acquisition {
        /**
         * Checks that {@code result} is given.
         *
         * @param result what the holder stored
         */
        public Completed {
            Objects.requireNonNull(result, "result");
        }
    }

    /** The key is bound to another request fingerprint: a client reused a key for a different request. */
    record FingerprintMismatch() implements Acquisition {
    }

    /**
     * The operation ran, but its holder could not record its result ({@link IdempotencyKeyStore#fail}):
     * it must not run again for this key, and nobody can be given its result.
     */
    record Failed() implements Acquisition {
    }

    /**
     * The key has no record yet and its scope already made its limit of records in the current
     * hour; nothing was stored. {@code retryAfter} is what is left of the hour.
     */
    record LimitReached(Duration retryAfter) implements Acquisition {
        /**
         * Checks that {@code retryAfter} is given.
         *
         * @param retryAfter what is left of the hour
         */
        public LimitReached {
            Objects.requireNonNull(retryAfter, "retryAfter");
        }
    }
}
