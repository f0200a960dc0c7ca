package dev.stateless.core.idempotency;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link IdempotencyKeyStore#acquire} found: the caller may run the operation
 * ({@link Acquired}), someone else is running it ({@link InProgress}), it ran already
 * ({@link Completed}), or the key was used for a different request ({@link FingerprintMismatch}).
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
        public InProgress {
            Objects.requireNonNull(retryAfter, "retryAfter");
        }
    }

    /** The operation completed; {@code result} is what its holder stored. The array must not be modified. */
    record Completed(byte[] result) implements Acquisition {
        public Completed {
            Objects.requireNonNull(result, "result");
        }
    }

    /** The key is bound to another request fingerprint: a client reused a key for a different request. */
    record FingerprintMismatch() implements Acquisition {
    }
}
