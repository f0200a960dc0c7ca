package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.Health;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The root README's "Metrics, health and logs" snippets, as typed there, on a real Redis. */
@WithRedis
class ReadmeMetricsHealthTest {

    private static final Logger log = LoggerFactory.getLogger(ReadmeMetricsHealthTest.class);

    @Test
    void theSnippetsWorkAsTyped(RedisServer redis) throws Exception {
        String redisUri = redis.uri();
        MeterRegistry registry = new SimpleMeterRegistry();
        byte[] secret = JwtKeys.generateHmacSecret();

        SessionStore sessions = RedisSessionStore.builder(redisUri).meterRegistry(registry).build();
        IdempotencyKeyStore keys = RedisIdempotencyKeyStore.builder(redisUri).meterRegistry(registry).build();
        IdempotencyFilter idempotency = IdempotencyFilter.builder(keys).meterRegistry(registry).build();
        JwtVerifier verifier = JwtVerifier.builder().hmacSecret(secret).meterRegistry(registry).build();

        Health health = sessions.health();
        if (!health.isUp()) {
            log.warn("sessions: {} ({})", health.error().orElse("?"), health.details());
        }

        try {
            assertThat(health.isUp()).isTrue();
            assertThat(idempotency).isNotNull();
            sessions.load(SessionId.generate());
            keys.acquire("k", "f");
            verifier.verify(dev.stateless.jwt.JwtIssuer.builder().hmacSecret(secret).build().issue("alice"));
            assertThat(registry.get("stateless.session.load").tag("outcome", "miss").timer().count()).isEqualTo(1);
            assertThat(registry.get("stateless.idempotency.acquire").tag("outcome", "acquired").timer().count()).isEqualTo(1);
            assertThat(registry.get("stateless.token.verify").tag("outcome", "accepted").timer().count()).isEqualTo(1);
        } finally {
            sessions.close();
            keys.close();
        }
    }

    @Test
    void theReadmeShowsTheseSnippets() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        assertThat(readme).contains("""
                SessionStore sessions = RedisSessionStore.builder(redisUri).meterRegistry(registry).build();
                IdempotencyKeyStore keys = RedisIdempotencyKeyStore.builder(redisUri).meterRegistry(registry).build();
                IdempotencyFilter idempotency = IdempotencyFilter.builder(keys).meterRegistry(registry).build();
                JwtVerifier verifier = JwtVerifier.builder().hmacSecret(secret).meterRegistry(registry).build();
                """).contains("""
                Health health = sessions.health();
                if (!health.isUp()) {
                    log.warn("sessions: {} ({})", health.error().orElse("?"), health.details());
                }
                """);
    }
}
