package dev.stateless.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a store's {@code health()} found: whether its backend answered, how long the check took,
 * and, when it did not answer, why. Details name the backend (store type, endpoint without
 * credentials), never a secret. Immutable.
 *
 * <pre>{@code
 * Health health = store.health();
 * if (!health.isUp()) {
 *     log.warn("sessions unavailable: {}", health.error().orElse("?"));
 * }
 * }</pre>
 */
public final class Health {

    /** The state of a backend. */
    public enum Status {
        /** The backend answered the check. */
        UP,
        /** The backend did not answer the check, or answered with an error; {@link #error()} says which. */
        DOWN,
        /** The store cannot check its backend (a store that does not implement {@code health()}). */
        UNKNOWN
    }

    private final Status status;
    private final Duration latency;
    private final String error;
    private final Map<String, String> details;

    private Health(Status status, Duration latency, String error, Map<String, String> details) {
        this.status = status;
        this.latency = Objects.requireNonNull(latency, "latency");
        this.error = error;
        this.details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(details, "details")));
    }

    /**
     * The backend answered within {@code latency}.
     *
     * @param latency how long the check took
     * @param details what was checked; copied
     * @return an UP health
     */
    public static Health up(Duration latency, Map<String, String> details) {
        return new Health(Status.UP, latency, null, details);
    }

    /**
     * The backend did not answer: {@code error} says why (never a secret), after {@code latency}.
     *
     * @param latency how long the check took
     * @param error why, never a secret
     * @param details what was checked; copied
     * @return a DOWN health
     */
    public static Health down(Duration latency, String error, Map<String, String> details) {
        return new Health(Status.DOWN, latency, Objects.requireNonNull(error, "error"), details);
    }

    /**
     * The store cannot tell: {@code why} says so.
     *
     * @param why why the store cannot tell
     * @param details what was checked; copied
     * @return an UNKNOWN health
     */
    public static Health unknown(String why, Map<String, String> details) {
        return new Health(Status.UNKNOWN, Duration.ZERO, Objects.requireNonNull(why, "why"), details);
    }

    /**
     * {@link Status#UNKNOWN}: {@code store} does not check its backend.
     *
     * @param store the store; its type becomes the {@code store} detail
     * @return an UNKNOWN health
     */
    public static Health notChecked(Object store) {
        String type = store.getClass().getSimpleName();
        return unknown(type + " does not check its health", Map.of("store", type));
    }

    /**
     * {@link Status#UP} with no latency: {@code store} keeps its data in this process.
     *
     * @param store the store; its type becomes the {@code store} detail
     * @return an UP health
     */
    public static Health inProcess(Object store) {
        return up(Duration.ZERO, Map.of("store", store.getClass().getSimpleName()));
    }

    /**
     * UP, DOWN or UNKNOWN.
     *
     * @return the status
     */
    public Status status() {
        return status;
    }

    /**
     * {@code status() == UP}.
     *
     * @return whether the backend is up
     */
    public boolean isUp() {
        return status == Status.UP;
    }

    /**
     * How long the check took (until the answer, or until it failed).
     *
     * @return the latency, zero when not measured
     */
    public Duration latency() {
        return latency;
    }

    /**
     * Why the backend is not up; empty when it is.
     *
     * @return the error, or empty
     */
    public Optional<String> error() {
        return Optional.ofNullable(error);
    }

    /**
     * What was checked, such as {@code store} (the store's type) and {@code endpoint} (a Redis URI
     * without its password), in insertion order.
     *
     * @return the details, read-only
     */
    public Map<String, String> details() {
        return details;
    }

    /**
     * The same health with one more detail.
     *
     * @param name the detail's name
     * @param value its value
     * @return a new health
     */
    public Health withDetail(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(details);
        more.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new Health(status, latency, error, more);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Health h && status == h.status && latency.equals(h.latency)
                && Objects.equals(error, h.error) && details.equals(h.details);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, latency, error, details);
    }

    @Override
    public String toString() {
        return "Health[" + status + ", latency=" + latency + (error != null ? ", error=" + error : "")
                + (details.isEmpty() ? "" : ", " + details) + "]";
    }
}
