package dev.stateless.spring.boot;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/** Spring Boot 4's {@code stateless} health ({@code spring-boot-health}): the {@link StatelessHealthChecks}. */
final class StatelessHealthIndicator implements HealthIndicator {

    private final StatelessHealthChecks checks;

    StatelessHealthIndicator(StatelessHealthChecks checks) {
        this.checks = checks;
    }

    @Override
    public Health health() {
        StatelessHealthChecks.Summary summary = checks.run();
        Status status = switch (summary.status()) {
            case UP -> Status.UP;
            case DOWN -> Status.DOWN;
            case UNKNOWN -> Status.UNKNOWN;
        };
        return Health.status(status).withDetails(summary.details()).build();
    }
}
