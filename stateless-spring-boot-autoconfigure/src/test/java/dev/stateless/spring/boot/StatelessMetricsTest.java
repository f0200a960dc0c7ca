package dev.stateless.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.redis.RedisStores;
import dev.stateless.testing.RedisExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * The application's {@code MeterRegistry} reaches the stores, Lettuce and the verifier; without
 * Micrometer or Actuator on the class path nothing of this is made and nothing breaks. No class of
 * Spring Boot 4's health contract is named here: these run on Spring Boot 3.5 too ({@code -Dversions=boot35}).
 */
class StatelessMetricsTest {

    @RegisterExtension
    static final RedisExtension redisFixture = new RedisExtension();

    private static final String SECRET = "stateless.jwt.hmac-secret=a-secret-of-at-least-32-bytes-long!";

    private final WebApplicationContextRunner runner = everyAutoConfiguration(redisFixture.uri());

    /** Every auto-configuration of the jar on the Redis at {@code uri}, idempotency on {@code /orders}. */
    static WebApplicationContextRunner everyAutoConfiguration(String uri) {
        return new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(StatelessRedisAutoConfiguration.class,
                        StatelessStoresAutoConfiguration.class, StatelessJwtAutoConfiguration.class,
                        StatelessFilterAutoConfiguration.class, StatelessHealthAutoConfiguration.class,
                        StatelessBoot3HealthAutoConfiguration.class))
                .withPropertyValues("stateless.redis.uri=" + uri, "stateless.idempotency.paths=/orders");
    }

    @Test
    void theApplicationsMeterRegistryRecordsTheStoresTheVerifierAndLettuce() {
        runner.withPropertyValues(SECRET).withBean(SimpleMeterRegistry.class).run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(context.getBean(RedisStores.class).toString()).contains("metrics=on");
            SessionStore sessions = context.getBean(SessionStore.class);
            assertThat(sessions.load(sessions.newSession().id())).isEmpty();
            rejected(() -> context.getBean(TokenVerifier.class).verify("not.a.token"));

            assertThat(registry.find("stateless.session.load").tag("outcome", "miss").timer().count()).isEqualTo(1);
            assertThat(registry.find("stateless.token.verify").tag("outcome", "malformed").timer().count()).isEqualTo(1);
            assertThat(registry.find("lettuce.command.completion").timers()).as("Lettuce's own latencies").isNotEmpty();
        });
    }

    @Test
    void metricsCanBeTurnedOff() {
        runner.withPropertyValues(SECRET, "stateless.metrics.enabled=false").withBean(SimpleMeterRegistry.class)
                .run(context -> {
                    SessionStore sessions = context.getBean(SessionStore.class);
                    assertThat(sessions.load(sessions.newSession().id())).isEmpty();
                    rejected(() -> context.getBean(TokenVerifier.class).verify("not.a.token"));
                    assertThat(context.getBean(MeterRegistry.class).getMeters()).isEmpty();
                    assertThat(context.getBean(RedisStores.class).toString()).contains("metrics=off");
                });
    }

    @Test
    void withoutMicrometerOrActuatorTheStoresAndFiltersWorkUnmeasuredAndThereIsNoIndicator() {
        runner.withPropertyValues(SECRET)
                .withClassLoader(new FilteredClassLoader("io.micrometer", "org.springframework.boot.health",
                        "org.springframework.boot.actuate"))
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean("statelessHealthIndicator");
                    assertThat(context).hasBean("statelessSessionFilter").hasBean("statelessIdempotencyFilter")
                            .hasBean("statelessBearerTokenFilter");
                    assertThat(context.getBean(RedisStores.class).toString()).contains("metrics=off");
                    SessionStore sessions = context.getBean(SessionStore.class);
                    assertThat(sessions.load(sessions.newSession().id())).isEmpty();
                });
    }

    private static void rejected(ThrowableAssert.ThrowingCallable call) {
        org.assertj.core.api.Assertions.assertThatThrownBy(call).isInstanceOf(TokenVerificationException.class);
    }
}
