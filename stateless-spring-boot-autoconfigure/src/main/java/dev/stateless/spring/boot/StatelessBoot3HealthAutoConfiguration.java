package dev.stateless.spring.boot;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.redis.RedisStores;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot 3.5's Actuator ({@code spring-boot-actuator-autoconfigure} 3.5, whose health contract
 * Spring Boot 4 moved to {@code spring-boot-health}): the same {@code stateless} health indicator as
 * {@link StatelessHealthAutoConfiguration}, on {@code org.springframework.boot.actuate.health}. Off
 * with {@code management.health.stateless.enabled=false}; a bean named
 * {@code statelessHealthIndicator} of the application's replaces it. On Spring Boot 4 those classes
 * are absent, and where Boot 4's contract is present this steps aside for its own configuration.
 */
@AutoConfiguration(after = StatelessStoresAutoConfiguration.class)
// by name: a class literal that cannot load drops the condition when the class is read by reflection
@ConditionalOnClass(name = {"org.springframework.boot.actuate.health.HealthIndicator",
    "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"})
@ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
public class StatelessBoot3HealthAutoConfiguration {

    /** Nested: the condition below needs Actuator 3.5 loaded, which the class condition above checks first. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnEnabledHealthIndicator("stateless")
    static class Indicator {

        @Bean
        @ConditionalOnMissingBean(name = "statelessHealthIndicator")
        @Conditional(StatelessHealthChecks.AnyStore.class)
        HealthIndicator statelessHealthIndicator(ObjectProvider<RedisStores> redis, ObjectProvider<SessionStore> sessions,
                ObjectProvider<IdempotencyKeyStore> keys, ObjectProvider<RevocationList> revocations, BeanFactory beans) {
            return new StatelessBoot3HealthIndicator(StatelessHealthChecks.of(redis, sessions, keys, revocations, beans));
        }
    }
}
