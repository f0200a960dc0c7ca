package dev.stateless.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * Which sessions {@link StatelessSessionFilter} takes over while a running service migrates to it:
 * a percentage of clients, and optionally a predicate on the request (a path, a header, a cookie).
 * A session keeps its side once chosen: a session of the filter stays one; a container session is
 * taken over (adopted) at the first request the rollout admits. The percentage is stable per client:
 * a container session is admitted by a hash of its id, so every request of it gets the same answer
 * while the percentage stays, and raising it only adds sessions. A client with no session at all
 * draws once; a container session it starts that way keeps the container's side while the rollout
 * is partial. At 100 % every container session is adopted, so that a migration can finish.
 *
 * <p>Zero percent is the rollback switch: the filter steps aside for every request, also for its own
 * sessions where the container holds a complete copy of them ({@link Migration.Builder#writeThrough}),
 * which go back to the container; its other sessions it still serves, so that nobody loses a session.
 *
 * <p>The percentage may change at run time ({@link #percent(IntSupplier)}: read on each request, from
 * a feature-flag service, a system property...). Immutable and thread-safe, if the supplier and the
 * predicate are.
 */
public final class Rollout {

    private static final Rollout ALL = new Rollout(() -> 100, request -> true, "100 %");

    private final IntSupplier percent;
    private final Predicate<HttpServletRequest> predicate;
    private final String description;

    private Rollout(IntSupplier percent, Predicate<HttpServletRequest> predicate, String description) {
        this.percent = percent;
        this.predicate = predicate;
        this.description = description;
    }

    /**
     * Every client (the default; the filter without a migration).
     *
     * @return the rollout
     */
    public static Rollout all() {
        return ALL;
    }

    /**
     * This share of clients, 0 to 100.
     *
     * @param percent 0 to 100
     * @return the rollout
     * @throws IllegalArgumentException outside 0 to 100
     */
    public static Rollout percent(int percent) {
        checkPercent(percent);
        return new Rollout(() -> percent, request -> true, percent + " %");
    }

    /**
     * The share of clients the supplier says, read on each request (a value outside 0 to 100 is
     * clamped into it), so that it can change without a redeploy.
     *
     * @param percent 0 to 100
     * @return the rollout
     */
    public static Rollout percent(IntSupplier percent) {
        Objects.requireNonNull(percent, "percent");
        return new Rollout(percent, request -> true, "a changing percentage");
    }

    /**
     * Only requests the predicate accepts start or adopt a session of the filter (and, of those,
     * the percentage); a session of the filter stays one whatever the predicate says later.
     *
     * @param condition the requests that take part
     * @return a rollout that also requires {@code condition}
     */
    public Rollout when(Predicate<HttpServletRequest> condition) {
        Objects.requireNonNull(condition, "condition");
        Predicate<HttpServletRequest> before = predicate;
        return new Rollout(percent, request -> before.test(request) && condition.test(request),
                description + " of the requests a predicate accepts");
    }

    /** The percentage now, 0 to 100. */
    int percentNow() {
        return Math.max(0, Math.min(100, percent.getAsInt()));
    }

    /** Whether the predicate accepts this request. */
    boolean accepts(HttpServletRequest request) {
        return predicate.test(request);
    }

    /** Whether a client with this key (a container session's id) is in the share now. */
    static boolean admits(int percent, String clientKey) {
        if (percent >= 100) {
            return true;
        }
        if (percent <= 0) {
            return false;
        }
        return bucket(clientKey) < percent;
    }

    /** 0 to 99, uniform over random ids, the same on every node and JVM. */
    static int bucket(String clientKey) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(clientKey.getBytes(StandardCharsets.UTF_8));
            int n = ((hash[0] & 0xff) << 24) | ((hash[1] & 0xff) << 16) | ((hash[2] & 0xff) << 8) | (hash[3] & 0xff);
            return Integer.remainderUnsigned(n, 100);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static void checkPercent(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("rollout percent must be between 0 and 100, was " + percent);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
