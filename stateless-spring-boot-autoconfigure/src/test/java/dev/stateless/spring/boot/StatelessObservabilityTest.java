package dev.stateless.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.InMemorySessionStore;
import dev.stateless.core.session.SessionStore;
import dev.stateless.redis.RedisStores;
import dev.stateless.testing.RedisExtension;
import dev.stateless.testing.RedisServer;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * The {@code stateless} health indicator (Spring Boot 4's {@code spring-boot-health}) follows a real
 * redis-server going away and coming back; the meters are {@link StatelessMetricsTest}'s.
 */
class StatelessObservabilityTest {

    @RegisterExtension
    static final RedisExtension redisFixture = new RedisExtension();

    private final WebApplicationContextRunner runner = StatelessMetricsTest.everyAutoConfiguration(redisFixture.uri());

    @BeforeEach
    void redisRuns() {
        redisFixture.server().reset();
    }

    @Test
    void theIndicatorGoesDownWhenRedisStopsAndUpWhenItIsBackOnTheSamePort() {
        runner.run(context -> {
            HealthIndicator indicator = indicator(context);
            Health up = indicator.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsOnlyKeys("redis"); // one PING for the three stores on it
            @SuppressWarnings("unchecked")
            Map<String, Object> redis = (Map<String, Object>) up.getDetails().get("redis");
            assertThat(redis).containsEntry("status", "UP").containsKeys("latency", "endpoint");
            assertThat(redis.get("endpoint")).asString().startsWith(redisFixture.uri());

            RedisServer server = redisFixture.server();
            server.stop();
            Health down = indicator.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            @SuppressWarnings("unchecked")
            Map<String, Object> why = (Map<String, Object>) down.getDetails().get("redis");
            assertThat(why).containsEntry("status", "DOWN").containsKey("error");

            server.restart();
            assertThat(awaitUp(indicator).getStatus()).as("after Lettuce reconnected").isEqualTo(Status.UP);
        });
    }

    @Test
    void aStoreNotOnTheSharedConnectionIsCheckedOnItsOwn() {
        runner.withBean("mySessions", SessionStore.class, () -> InMemorySessionStore.builder().build()).run(context -> {
            Health health = indicator(context).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsOnlyKeys("redis", "sessions");
            assertThat(health.getDetails().get("sessions")).asString().contains("InMemorySessionStore");
        });
    }

    @Test
    void aDownStoreMakesTheIndicatorDownAndAStoreThatCannotTellLeavesItUp() {
        Map<String, Supplier<dev.stateless.core.Health>> checks = new java.util.LinkedHashMap<>();
        checks.put("redis", () -> dev.stateless.core.Health.up(java.time.Duration.ofMillis(1), Map.of()));
        checks.put("idempotency", () -> dev.stateless.core.Health.notChecked(new Object()));
        assertThat(new StatelessHealthIndicator(new StatelessHealthChecks(checks)).health().getStatus()).isEqualTo(Status.UP);
        checks.put("revocation", () -> {
            throw new IllegalStateException("password=hunter2");
        });
        Health down = new StatelessHealthIndicator(new StatelessHealthChecks(checks)).health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails().get("revocation")).asString().contains("IllegalStateException")
                .doesNotContain("hunter2");
        assertThat(new StatelessHealthIndicator(new StatelessHealthChecks(Map.of("idempotency", checks.get("idempotency")))).health().getStatus())
                .isEqualTo(Status.UNKNOWN);
    }

    @Test
    void theApplicationsIndicatorReplacesOursAndOursCanBeTurnedOff() {
        HealthIndicator own = () -> Health.outOfService().build();
        runner.withBean("statelessHealthIndicator", HealthIndicator.class, () -> own)
                .run(context -> assertThat(context.getBean("statelessHealthIndicator")).isSameAs(own));
        runner.withPropertyValues("management.health.stateless.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("statelessHealthIndicator"));
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(StatelessRedisAutoConfiguration.class,
                        StatelessStoresAutoConfiguration.class, StatelessHealthAutoConfiguration.class))
                .run(context -> assertThat(context).as("no stores, nothing to check")
                        .doesNotHaveBean("statelessHealthIndicator").doesNotHaveBean(IdempotencyKeyStore.class));
    }

    @Test
    void theBoot35IndicatorStepsAsideOnSpringBoot4() {
        runner.run(context -> assertThat(context).hasSingleBean(StatelessHealthAutoConfiguration.class)
                .doesNotHaveBean(StatelessBoot3HealthAutoConfiguration.class)
                .getBean("statelessHealthIndicator").isInstanceOf(StatelessHealthIndicator.class));
    }

    private static HealthIndicator indicator(AssertableWebApplicationContext context) {
        return context.getBean("statelessHealthIndicator", HealthIndicator.class);
    }

    /** Checks until UP, a bounded number of times (Lettuce reconnects in the background). */
    private static Health awaitUp(HealthIndicator indicator) throws InterruptedException {
        Health health = indicator.health();
        for (int i = 0; i < 100 && health.getStatus() != Status.UP; i++) {
            Thread.sleep(100);
            health = indicator.health();
        }
        return health;
    }
}
