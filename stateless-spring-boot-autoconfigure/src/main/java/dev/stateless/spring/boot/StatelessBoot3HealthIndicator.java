package dev.stateless.spring.boot;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/** Spring Boot 3.5's {@code stateless} health ({@code spring-boot-actuator}): the {@link StatelessHealthChecks}. */
final class StatelessBoot3HealthIndicator implements HealthIndicator {

    private final StatelessHealthChecks checks;

    StatelessBoot3HealthIndicator(StatelessHealthChecks checks) {
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
