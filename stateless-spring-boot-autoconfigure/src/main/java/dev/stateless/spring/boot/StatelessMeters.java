package dev.stateless.spring.boot;

import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisStores;
import dev.stateless.servlet.IdempotencyFilter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import org.springframework.beans.factory.BeanFactory;

/**
 * Hands the application's {@link MeterRegistry} to what the auto-configuration builds. The only
 * class here that links to Micrometer: it is loaded only after
 * {@link StatelessProperties#metricsOn} found Micrometer, so the starter runs without it.
 */
final class StatelessMeters {

    static final String METER_REGISTRY = "io.micrometer.core.instrument.MeterRegistry";

    private StatelessMeters() {
    }

    /** The application's registry: the only one, or the primary one (Boot's composite) among several. */
    private static Optional<MeterRegistry> registry(BeanFactory beans) {
        return Optional.ofNullable(beans.getBeanProvider(MeterRegistry.class).getIfUnique());
    }

    /** Lettuce's latencies, and the registry of every store on these {@code RedisStores}. */
    static boolean apply(BeanFactory beans, RedisStores.Builder builder) {
        return registry(beans).map(builder::meterRegistry).isPresent();
    }

    static void apply(BeanFactory beans, JwtVerifier.Builder builder) {
        registry(beans).ifPresent(builder::meterRegistry);
    }

    static void apply(BeanFactory beans, IdempotencyFilter.Builder builder) {
        registry(beans).ifPresent(builder::meterRegistry);
    }
}
