package dev.stateless.spring.boot;

import dev.stateless.core.session.SessionStore;
import dev.stateless.redis.RedisStores;
import java.util.function.Function;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * Run by {@link WithoutMicrometerAndActuatorTest} in a class loader without Micrometer and
 * {@code spring-boot-health}: every auto-configuration of the jar, the three filters and a session
 * store that talks to Redis. Returns {@link #DONE}, or throws what went wrong.
 */
public final class BareContextScenario implements Function<String, String> {

    static final String DONE = "stores and filters without Micrometer and Actuator";

    @Override
    public String apply(String redisUri) {
        String[] done = new String[1];
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(StatelessRedisAutoConfiguration.class,
                        StatelessStoresAutoConfiguration.class, StatelessJwtAutoConfiguration.class,
                        StatelessFilterAutoConfiguration.class, StatelessHealthAutoConfiguration.class))
                .withPropertyValues("stateless.redis.uri=" + redisUri, "stateless.idempotency.paths=/orders",
                        "stateless.jwt.hmac-secret=a-secret-of-at-least-32-bytes-long!")
                .run(context -> {
                    if (context.getStartupFailure() != null) {
                        throw new IllegalStateException("the context failed", context.getStartupFailure());
                    }
                    for (String name : new String[] {"statelessSessionFilter", "statelessIdempotencyFilter",
                            "statelessBearerTokenFilter"}) {
                        if (!context.containsBean(name)) {
                            throw new IllegalStateException("no " + name);
                        }
                    }
                    if (context.containsBean("statelessHealthIndicator")) {
                        throw new IllegalStateException("a health indicator without spring-boot-health");
                    }
                    if (!context.getBean(RedisStores.class).toString().contains("metrics=off")) {
                        throw new IllegalStateException(context.getBean(RedisStores.class).toString());
                    }
                    SessionStore sessions = context.getBean(SessionStore.class);
                    if (sessions.load(sessions.newSession().id()).isPresent()) {
                        throw new IllegalStateException("a new session id was found in Redis");
                    }
                    done[0] = DONE;
                });
        return done[0];
    }
}
