package dev.stateless.spring.boot;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Actuator's {@code stateless} health: the {@code health()} of the shared Redis connection and of
 * each store not on it, one detail per check ({@code status}, {@code latency}, {@code error}, and
 * the check's own details: store type, endpoint without its password). DOWN when any check is
 * down, else UP when any is up, else UNKNOWN. Checks run one after another on the caller's thread.
 */
final class StatelessHealthIndicator implements HealthIndicator {

    private final Map<String, Supplier<dev.stateless.core.Health>> checks;

    /** {@code checks}: name (the detail's key) to a store's {@code health()}, in the order shown. */
    StatelessHealthIndicator(Map<String, Supplier<dev.stateless.core.Health>> checks) {
        this.checks = new LinkedHashMap<>(checks);
    }

    @Override
    public Health health() {
        boolean down = false;
        boolean up = false;
        Map<String, Object> details = new LinkedHashMap<>();
        for (Map.Entry<String, Supplier<dev.stateless.core.Health>> check : checks.entrySet()) {
            dev.stateless.core.Health health = checked(check.getValue());
            down |= health.status() == dev.stateless.core.Health.Status.DOWN;
            up |= health.isUp();
            details.put(check.getKey(), describe(health));
        }
        Status status = down ? Status.DOWN : up ? Status.UP : Status.UNKNOWN;
        return Health.status(status).withDetails(details).build();
    }

    /** A store of the application's whose {@code health()} throws is down, named by the exception's type only. */
    private static dev.stateless.core.Health checked(Supplier<dev.stateless.core.Health> check) {
        try {
            return check.get();
        } catch (RuntimeException e) {
            return dev.stateless.core.Health.down(java.time.Duration.ZERO, "health() threw " + e.getClass().getName(),
                    Map.of());
        }
    }

    private static Map<String, Object> describe(dev.stateless.core.Health health) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("status", health.status().name());
        detail.put("latency", health.latency().toString());
        health.error().ifPresent(error -> detail.put("error", error));
        detail.putAll(health.details());
        return detail;
    }
}
