package dev.stateless.servlet;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * "Where the container passes, we pass": runs a check once on the container's own sessions (the
 * baseline) and remembers the outcome. A check the container itself fails is skipped (an aborted
 * assumption naming the container's failure) for that container, on the baseline and through the
 * filter alike; a check the container passes must pass through the filter.
 */
final class BaselineGate {

    private final Map<String, Optional<String>> baselineFailures = new ConcurrentHashMap<>();

    /**
     * Runs {@code check} on {@code baseline} (once per {@code key}), then, when {@code target} is not
     * the baseline itself and the baseline passed, on {@code target}.
     */
    <T> void verify(String key, T target, T baseline, Consumer<T> check) {
        Optional<String> failure = baselineOutcome(key, baseline, check);
        assumeTrue(failure.isEmpty(), () -> "the container's own sessions fail this check too, so it is skipped: "
                + failure.orElseThrow());
        if (!target.equals(baseline)) {
            check.accept(target);
        }
    }

    /** Whether the baseline passes {@code key} (running it if not yet run); for checks run in bulk. */
    <T> boolean baselinePasses(String key, T baseline, Consumer<T> check) {
        return baselineOutcome(key, baseline, check).isEmpty();
    }

    private <T> Optional<String> baselineOutcome(String key, T baseline, Consumer<T> check) {
        Optional<String> known = baselineFailures.get(key);
        if (known != null) {
            return known;
        }
        Optional<String> outcome;
        try {
            check.accept(baseline);
            outcome = Optional.empty();
        } catch (AssertionError e) {
            outcome = Optional.of(String.valueOf(e.getMessage()).strip());
        }
        baselineFailures.put(key, outcome);
        return outcome;
    }
}
