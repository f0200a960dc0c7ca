package dev.stateless.spring.boot;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.redis.RedisStores;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * With Spring Boot 4's health contract on the class path ({@code spring-boot-health}), the
 * {@code stateless} health indicator over {@link RedisStores#health()} (one check for every store on
 * the shared connection) and the {@code health()} of each store not on it
 * ({@link StatelessHealthChecks}). Off with {@code management.health.stateless.enabled=false}; a bean
 * named {@code statelessHealthIndicator} of the application's replaces it. Spring Boot 3.5's
 * Actuator gets the same from {@link StatelessBoot3HealthAutoConfiguration}.
 */
@AutoConfiguration(after = StatelessStoresAutoConfiguration.class)
// by name: a class literal that cannot load drops the condition when the class is read by reflection
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
public class StatelessHealthAutoConfiguration {

    /** Nested: the condition below needs spring-boot-health loaded, which the class condition above checks first. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnEnabledHealthIndicator("stateless")
    static class Indicator {

        @Bean
        @ConditionalOnMissingBean(name = "statelessHealthIndicator")
        @Conditional(StatelessHealthChecks.AnyStore.class)
        HealthIndicator statelessHealthIndicator(ObjectProvider<RedisStores> redis, ObjectProvider<SessionStore> sessions,
                ObjectProvider<IdempotencyKeyStore> keys, ObjectProvider<RevocationList> revocations, BeanFactory beans) {
            return new StatelessHealthIndicator(StatelessHealthChecks.of(redis, sessions, keys, revocations, beans));
        }
    }
}
