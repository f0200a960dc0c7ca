package dev.stateless.spring.boot;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.redis.RedisStores;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * With Actuator's health contract on the class path ({@code spring-boot-health}), the
 * {@code stateless} health indicator over {@link RedisStores#health()} (one check for every store on
 * the shared connection) and the {@code health()} of each store not on it. Off with
 * {@code management.health.stateless.enabled=false}; a bean named {@code statelessHealthIndicator}
 * of the application's replaces it.
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
        @Conditional(AnyStore.class)
        HealthIndicator statelessHealthIndicator(ObjectProvider<RedisStores> redis, ObjectProvider<SessionStore> sessions,
                ObjectProvider<IdempotencyKeyStore> keys, ObjectProvider<RevocationList> revocations, BeanFactory beans) {
            Map<String, Supplier<dev.stateless.core.Health>> checks = new LinkedHashMap<>();
            RedisStores shared = redis.getIfUnique();
            if (shared != null) {
                checks.put("redis", shared::health);
            }
            SessionStore session = sessions.getIfUnique();
            if (ownCheck(session, "statelessSessionStore", shared, beans)) {
                checks.put("sessions", session::health);
            }
            IdempotencyKeyStore key = keys.getIfUnique();
            if (ownCheck(key, "statelessIdempotencyKeyStore", shared, beans)) {
                checks.put("idempotency", key::health);
            }
            RevocationList revocation = revocations.getIfUnique();
            if (ownCheck(revocation, "statelessRevocationList", shared, beans)) {
                checks.put("revocation", revocation::health);
            }
            return new StatelessHealthIndicator(checks);
        }
    }

    /**
     * Whether {@code store} needs a check of its own: it exists and is not the one the
     * auto-configuration made on the shared {@code RedisStores} (whose check is {@code redis}'s PING).
     */
    private static boolean ownCheck(Object store, String ourBean, RedisStores shared, BeanFactory beans) {
        return store != null && !(shared != null && beans.containsBean(ourBean) && beans.getBean(ourBean) == store);
    }

    /** There is something to check. */
    static final class AnyStore extends AnyNestedCondition {

        AnyStore() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(RedisStores.class)
        static final class Redis {
        }

        @ConditionalOnBean(SessionStore.class)
        static final class Sessions {
        }

        @ConditionalOnBean(IdempotencyKeyStore.class)
        static final class Keys {
        }

        @ConditionalOnBean(RevocationList.class)
        static final class Revocations {
        }
    }
}
