package dev.stateless.redis;

import static dev.stateless.testing.Tokens.withId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.idempotency.IdempotencyKeyStores;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.RevocationLists;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idempotency key stores and revocation lists made from a Redis URI and text options, through the
 * providers this module lists for {@link java.util.ServiceLoader}, on a real Redis.
 */
@WithRedis
class RedisProviderUriTest {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void empty() {
        redis.flushAll();
    }

    @Test
    void aRedisUriMakesAnIdempotencyKeyStoreWithTheOptionsGiven() {
        Map<String, String> options = Map.of("lease", "PT5S", "retention", "PT10M", "key-prefix", "shop:",
                "command-timeout", "PT1S");
        try (IdempotencyKeyStore store = IdempotencyKeyStores.create(redis.uri(), options)) {
            assertThat(store).isInstanceOf(RedisIdempotencyKeyStore.class);
            assertThat(store.lease()).isEqualTo(Duration.ofSeconds(5));
            assertThat(store.acquire("k", "f")).isInstanceOf(Acquisition.Acquired.class);

            assertThat(redis.commandList("KEYS", "*")).singleElement().asString().startsWith("shop:i:{");
            assertThat(redis.commandLong("PTTL", redis.commandList("KEYS", "*").get(0)))
                    .isPositive().isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());
        }
    }

    @Test
    void aRedisUriMakesARevocationListWithTheOptionsGiven() {
        try (RevocationList list = RevocationLists.create(redis.uri(), Map.of("key-prefix", "shop:", "command-timeout", "2"))) {
            list.revoke(withId("jti-1", Instant.now().plus(Duration.ofMinutes(5))), Duration.ZERO);

            assertThat(list.isRevoked(withId("jti-1", null))).isTrue();
            assertThat(redis.commandList("KEYS", "*")).singleElement().asString().startsWith("shop:r:{");
        }
    }

    @Test
    void unknownAndBadOptionsAreNamedBeforeAnythingConnects() {
        assertThatThrownBy(() -> IdempotencyKeyStores.create(redis.uri(), Map.of("ttl", "5")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown store options [ttl]");
        assertThatThrownBy(() -> IdempotencyKeyStores.create(redis.uri(), Map.of("command-timeout", "quick")))
                .hasMessage("command-timeout must be a duration such as PT30M or 1800, was 'quick'");
        assertThatThrownBy(() -> RevocationLists.create(redis.uri(), Map.of("lease", "5")))
                .hasMessage("unknown revocation list options [lease]");
    }

    @Test
    void everyRedisSchemeIsServed() {
        RedisIdempotencyKeyStoreProvider keys = new RedisIdempotencyKeyStoreProvider();
        RedisRevocationListProvider revocations = new RedisRevocationListProvider();
        for (String scheme : new String[] {"redis", "rediss", "redis-sentinel", "redis-cluster"}) {
            assertThat(keys.supports(scheme)).as(scheme).isTrue();
            assertThat(revocations.supports(scheme)).as(scheme).isTrue();
        }
        assertThat(keys.supports("memory")).isFalse();
    }
}
