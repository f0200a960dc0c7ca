package dev.stateless.core.metrics;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.IdempotencyException;
import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.SessionLockedException;
import dev.stateless.core.token.TokenVerificationException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How the library's modules record their metrics: one timer per operation tagged by outcome,
 * counters, and a codec wrapper that counts refusals. <b>Internal</b>: users pass a Micrometer
 * {@code MeterRegistry} to a builder's {@code meterRegistry(...)}; this type may change.
 *
 * <p>Without a registry ({@link #none()}) every method only runs what it is given: no clock is
 * read and nothing is recorded. Micrometer (an optional dependency) is touched only by
 * {@link #of}, so nothing here needs it on the class path otherwise. Thread-safe.
 */
public final class Meters {

    /** Counts calls that failed because a store could not be reached, tagged {@code operation}. */
    public static final String STORE_UNAVAILABLE = "stateless.store.unavailable";
    /** Counts values a codec refused, tagged {@code operation} (encode, decode, check) and {@code reason}. */
    public static final String CODEC_REFUSED = "stateless.codec.refused";

    private static final Meters NONE = new Meters(null);

    /** Null when metrics are off. */
    private final Sink sink;

    private Meters(Sink sink) {
        this.sink = sink;
    }

    /**
     * Records nothing.
     *
     * @return meters that record nothing
     */
    public static Meters none() {
        return NONE;
    }

    /**
     * Records into {@code registry}; {@link #none()} for null (a builder's registry that was never set).
     *
     * @param registry the Micrometer registry, or null for none
     * @return the meters
     */
    public static Meters of(MeterRegistry registry) {
        return registry == null ? NONE : new Meters(new MicrometerSink(registry));
    }

    /**
     * {@link #of} for a registry held as {@code Object} (null: none), by classes that must not name
     * Micrometer in a field or signature (beans that frameworks introspect).
     *
     * @param registry a Micrometer {@code MeterRegistry}, or null for none
     * @return the meters
     */
    public static Meters ofRegistry(Object registry) {
        return registry == null ? NONE : of((MeterRegistry) registry);
    }

    /**
     * Whether a registry records what this is given.
     *
     * @return whether anything is recorded
     */
    public boolean enabled() {
        return sink != null;
    }

    /**
     * A timer named {@code name} (such as {@code stateless.session.load}) tagged {@code outcome};
     * a failed call is tagged by {@link #outcome(RuntimeException)}, and a call that failed
     * because its store was unreachable is also counted in {@link #STORE_UNAVAILABLE}.
     *
     * @param name the meter's name, e.g. {@code stateless.session.load}
     * @param description what it measures
     * @return the operation
     */
    public Operation operation(String name, String description) {
        return new Operation(this, name, description);
    }

    /**
     * A counter named {@code name} with one tag whose value each increment names.
     *
     * @param name the meter's name, e.g. {@code stateless.session.load}
     * @param description what it measures
     * @param tagKey the name of its one tag
     * @return the counter
     */
    public Counter counter(String name, String description, String tagKey) {
        return new Counter(this, name, description, tagKey);
    }

    /**
     * {@code codec} itself without a registry; else the same codec, counting refusals in {@link
     * #CODEC_REFUSED}.
     *
     * @param codec the codec to count the refusals of
     * @return the codec to use
     */
    public AttributeCodec codec(AttributeCodec codec) {
        Objects.requireNonNull(codec, "codec");
        if (sink == null || codec instanceof CountingCodec) {
            return codec;
        }
        return new CountingCodec(codec, this);
    }

    /**
     * The outcome tag of a failure: {@code unavailable}, {@code corrupt}, {@code locked},
     * {@code refused} (a codec), the reason of a token or idempotency refusal in lower case, or
     * {@code error}.
     *
     * @param failure what a call threw
     * @return the tag value
     */
    public static String outcome(RuntimeException failure) {
        if (failure instanceof StoreUnavailableException) {
            return "unavailable";
        }
        if (failure instanceof CorruptDataException) {
            return "corrupt";
        }
        if (failure instanceof SessionLockedException) {
            return "locked";
        }
        if (failure instanceof AttributeCodecException) {
            return "refused";
        }
        if (failure instanceof TokenVerificationException e) {
            return lower(e.reason());
        }
        if (failure instanceof IdempotencyException e) {
            return lower(e.reason());
        }
        return "error";
    }

    /**
     * An enum constant as a tag value: {@code BAD_SIGNATURE} becomes {@code bad_signature}.
     *
     * @param constant a reason or outcome constant
     * @return the constant's name in lower case
     */
    public static String lower(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    void refused(String operation, AttributeCodecException e) {
        if (sink != null) {
            sink.count(CODEC_REFUSED, "Values a codec refused to encode or decode", "operation", operation,
                    "reason", lower(e.reason()));
        }
    }

    /** One timed operation; see {@link Meters#operation}. */
    public static final class Operation {
        private final Meters meters;
        private final String name;
        private final String description;
        /** The name without {@code stateless.}: the {@code operation} tag of {@link #STORE_UNAVAILABLE}. */
        private final String shortName;

        private Operation(Meters meters, String name, String description) {
            this.meters = meters;
            this.name = Objects.requireNonNull(name, "name");
            this.description = Objects.requireNonNull(description, "description");
            this.shortName = name.startsWith("stateless.") ? name.substring("stateless.".length()) : name;
        }

        /**
         * Runs {@code call}, timed and tagged with {@code outcome} of its result (or of its failure).
         *
         * @param <T> the call's result type
         * @param call the call
         * @param outcome the outcome tag of its result
         * @return what {@code call} returned
         */
        public <T> T call(Supplier<T> call, Function<? super T, String> outcome) {
            Sink sink = meters.sink;
            if (sink == null) {
                return call.get();
            }
            long start = System.nanoTime();
            T result;
            try {
                result = call.get();
            } catch (RuntimeException e) {
                failed(sink, start, e);
                throw e;
            }
            sink.time(name, description, outcome.apply(result), System.nanoTime() - start);
            return result;
        }

        /**
         * Runs {@code call}, timed, tagged {@code success} (or by its failure).
         *
         * @param call the call
         */
        public void run(Runnable call) {
            call(() -> {
                call.run();
                return null;
            }, ignored -> "success");
        }

        /**
         * Like {@link #call} for a call that answers through a future: timed until the future
         * completes, tagged by {@code outcome} of its value or by its failure.
         *
         * @param <T> the value's type
         * @param call the call
         * @param outcome names the outcome of a value
         * @return the call's future
         */
        public <T> CompletableFuture<T> callAsync(Supplier<CompletableFuture<T>> call,
                Function<? super T, String> outcome) {
            Sink sink = meters.sink;
            if (sink == null) {
                return call.get();
            }
            long start = System.nanoTime();
            CompletableFuture<T> future;
            try {
                future = call.get();
            } catch (RuntimeException e) {
                failed(sink, start, e);
                throw e;
            }
            return future.whenComplete((result, failure) -> {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof RuntimeException e) {
                    failed(sink, start, e);
                } else if (cause == null) {
                    sink.time(name, description, outcome.apply(result), System.nanoTime() - start);
                }
            });
        }

        private void failed(Sink sink, long start, RuntimeException e) {
            sink.time(name, description, outcome(e), System.nanoTime() - start);
            if (e instanceof StoreUnavailableException) {
                sink.count(STORE_UNAVAILABLE, "Calls that failed because a store could not be reached",
                        "operation", shortName);
            }
        }
    }

    /** One counter; see {@link Meters#counter}. */
    public static final class Counter {
        private final Meters meters;
        private final String name;
        private final String description;
        private final String tagKey;

        private Counter(Meters meters, String name, String description, String tagKey) {
            this.meters = meters;
            this.name = Objects.requireNonNull(name, "name");
            this.description = Objects.requireNonNull(description, "description");
            this.tagKey = Objects.requireNonNull(tagKey, "tagKey");
        }

        /**
         * Runs {@code call} and counts it under the tag {@code outcome} of its result (or of its failure).
         *
         * @param <T> the call's result type
         * @param call the call
         * @param outcome the outcome tag of its result
         * @return what {@code call} returned
         */
        public <T> T call(Supplier<T> call, Function<? super T, String> outcome) {
            if (meters.sink == null) {
                return call.get();
            }
            T result;
            try {
                result = call.get();
            } catch (RuntimeException e) {
                increment(outcome(e));
                throw e;
            }
            increment(outcome.apply(result));
            return result;
        }

        /**
         * Counts one under {@code tagValue}.
         *
         * @param tagValue the tag's value
         */
        public void increment(String tagValue) {
            Sink sink = meters.sink;
            if (sink != null) {
                sink.count(name, description, tagKey, tagValue);
            }
        }
    }

    /** Where measurements go: a registry. */
    interface Sink {
        void time(String name, String description, String outcome, long nanos);

        /** {@code tags}: key, value, key, value... */
        void count(String name, String description, String... tags);
    }
}
