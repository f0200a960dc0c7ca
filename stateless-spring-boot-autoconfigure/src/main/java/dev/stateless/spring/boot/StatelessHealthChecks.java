package dev.stateless.spring.boot;

import dev.stateless.core.Health;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.redis.RedisStores;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;

/**
 * What the {@code stateless} health indicator checks and how it sums them up, whichever Actuator
 * contract it is made for (Spring Boot 4's {@code spring-boot-health}, Spring Boot 3.5's
 * {@code spring-boot-actuator}): the {@code health()} of the shared Redis connection and of each store
 * not on it, one detail per check ({@code status}, {@code latency}, {@code error}, and the check's own
 * details: store type, endpoint without its password). DOWN when any check is down, else UP when any
 * is up, else UNKNOWN. Checks run one after another on the caller's thread.
 */
final class StatelessHealthChecks {

    /** The sum of the checks: a status ({@code UP}, {@code DOWN}, {@code UNKNOWN}) and a detail per check. */
    record Summary(Health.Status status, Map<String, Object> details) {
    }

    private final Map<String, Supplier<Health>> checks;

    /** {@code checks}: name (the detail's key) to a store's {@code health()}, in the order shown. */
    StatelessHealthChecks(Map<String, Supplier<Health>> checks) {
        this.checks = new LinkedHashMap<>(checks);
    }

    /**
     * The checks of the application's stores: {@code redis} (the shared {@link RedisStores}), then
     * {@code sessions}, {@code idempotency} and {@code revocation} for each store that is not the one
     * the auto-configuration made on the shared connection.
     */
    static StatelessHealthChecks of(ObjectProvider<RedisStores> redis, ObjectProvider<SessionStore> sessions,
            ObjectProvider<IdempotencyKeyStore> keys, ObjectProvider<RevocationList> revocations, BeanFactory beans) {
        Map<String, Supplier<Health>> checks = new LinkedHashMap<>();
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
        return new StatelessHealthChecks(checks);
    }

    /**
     * Whether {@code store} needs a check of its own: it exists and is not the one the
     * auto-configuration made on the shared {@code RedisStores} (whose check is {@code redis}'s PING).
     */
    private static boolean ownCheck(Object store, String ourBean, RedisStores shared, BeanFactory beans) {
        return store != null && !(shared != null && beans.containsBean(ourBean) && beans.getBean(ourBean) == store);
    }

    /** Runs every check. */
    Summary run() {
        boolean down = false;
        boolean up = false;
        Map<String, Object> details = new LinkedHashMap<>();
        for (Map.Entry<String, Supplier<Health>> check : checks.entrySet()) {
            Health health = checked(check.getValue());
            down |= health.status() == Health.Status.DOWN;
            up |= health.isUp();
            details.put(check.getKey(), describe(health));
        }
        return new Summary(down ? Health.Status.DOWN : up ? Health.Status.UP : Health.Status.UNKNOWN, details);
    }

    /** A store of the application's whose {@code health()} throws is down, named by the exception's type only. */
    private static Health checked(Supplier<Health> check) {
        try {
            return check.get();
        } catch (RuntimeException e) {
            return Health.down(Duration.ZERO, "health() threw " + e.getClass().getName(), Map.of());
        }
    }

    private static Map<String, Object> describe(Health health) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("status", health.status().name());
        detail.put("latency", health.latency().toString());
        health.error().ifPresent(error -> detail.put("error", error));
        detail.putAll(health.details());
        return detail;
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
