package dev.stateless.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.InMemorySessionStore;
import dev.stateless.core.session.SessionStore;
import dev.stateless.testing.RedisExtension;
import dev.stateless.testing.RedisServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * The {@code stateless} health indicator on Spring Boot 3.5's Actuator ({@code spring-boot-actuator},
 * {@code org.springframework.boot.actuate.health}), following a real redis-server. Runs in the
 * Spring Boot 3.5 build ({@code -Dversions=boot35}); on Spring Boot 4,
 * {@link StatelessObservabilityTest} checks that this indicator steps aside for Boot 4's.
 */
@EnabledIf("onSpringBoot35")
class StatelessBoot3HealthTest {

    @RegisterExtension
    static final RedisExtension redisFixture = new RedisExtension();

    private final WebApplicationContextRunner runner = StatelessMetricsTest.everyAutoConfiguration(redisFixture.uri());

    static boolean onSpringBoot35() {
        return SpringBootVersion.getVersion().startsWith("3.5.");
    }

    @BeforeEach
    void redisRuns() {
        redisFixture.server().reset();
    }

    @Test
    void theIndicatorGoesDownWhenRedisStopsAndUpWhenItIsBack() {
        runner.run(context -> {
            HealthIndicator indicator = indicator(context);
            assertThat(indicator).isInstanceOf(StatelessBoot3HealthIndicator.class);
            Health up = indicator.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsOnlyKeys("redis");
            @SuppressWarnings("unchecked")
            Map<String, Object> redis = (Map<String, Object>) up.getDetails().get("redis");
            assertThat(redis).containsEntry("status", "UP").containsKeys("latency", "endpoint");

            RedisServer server = redisFixture.server();
            server.stop();
            Health down = indicator.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            @SuppressWarnings("unchecked")
            Map<String, Object> why = (Map<String, Object>) down.getDetails().get("redis");
            assertThat(why).containsEntry("status", "DOWN").containsKey("error");

            server.restart();
            Health back = indicator.health();
            for (int i = 0; i < 100 && back.getStatus() != Status.UP; i++) {
                Thread.sleep(100);
                back = indicator.health();
            }
            assertThat(back.getStatus()).as("after Lettuce reconnected").isEqualTo(Status.UP);
        });
    }

    @Test
    void aStoreNotOnTheSharedConnectionIsCheckedOnItsOwn() {
        runner.withBean("mySessions", SessionStore.class, () -> InMemorySessionStore.builder().build()).run(context -> {
            Health health = indicator(context).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsOnlyKeys("redis", "sessions");
        });
    }

    @Test
    void theApplicationsIndicatorReplacesOursAndOursCanBeTurnedOff() {
        HealthIndicator own = () -> Health.outOfService().build();
        runner.withBean("statelessHealthIndicator", HealthIndicator.class, () -> own)
                .run(context -> assertThat(context.getBean("statelessHealthIndicator")).isSameAs(own));
        runner.withPropertyValues("management.health.stateless.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("statelessHealthIndicator"));
    }

    @Test
    void statusesMapOneToOne() {
        Map<String, Supplier<dev.stateless.core.Health>> checks = new LinkedHashMap<>();
        checks.put("idempotency", () -> dev.stateless.core.Health.notChecked(new Object()));
        assertThat(new StatelessBoot3HealthIndicator(new StatelessHealthChecks(checks)).health().getStatus())
                .isEqualTo(Status.UNKNOWN);
        checks.put("redis", () -> dev.stateless.core.Health.up(Duration.ofMillis(1), Map.of()));
        assertThat(new StatelessBoot3HealthIndicator(new StatelessHealthChecks(checks)).health().getStatus())
                .isEqualTo(Status.UP);
        checks.put("revocation", () -> dev.stateless.core.Health.down(Duration.ZERO, "gone", Map.of()));
        assertThat(new StatelessBoot3HealthIndicator(new StatelessHealthChecks(checks)).health().getStatus())
                .isEqualTo(Status.DOWN);
    }

    private static HealthIndicator indicator(AssertableWebApplicationContext context) {
        return context.getBean("statelessHealthIndicator", HealthIndicator.class);
    }
}
