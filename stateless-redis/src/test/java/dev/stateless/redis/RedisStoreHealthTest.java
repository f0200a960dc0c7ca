package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.stateless.core.Health;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code health()} of the three Redis stores against a real {@code redis-server} that is stopped
 * and started again on the same port: UP, DOWN with the reason (answered, not hung), UP again.
 */
@WithRedis
class RedisStoreHealthTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
    /** Far above any answer expected here: only a hang would reach it. */
    private static final Duration HANG = Duration.ofSeconds(20);

    private static RedisServer redis;
    private List<AutoCloseable> stores;
    private List<Supplier<Health>> checks;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void buildStores() {
        redis.reset();
        RedisSessionStore sessions = RedisSessionStore.builder(redis.uri()).commandTimeout(COMMAND_TIMEOUT).build();
        RedisIdempotencyKeyStore keys = RedisIdempotencyKeyStore.builder(redis.uri()).commandTimeout(COMMAND_TIMEOUT)
                .build();
        RedisRevocationList revoked = RedisRevocationList.builder(redis.uri()).commandTimeout(COMMAND_TIMEOUT).build();
        stores = List.of(sessions, keys, revoked);
        checks = List.of(sessions::health, keys::health, revoked::health);
    }

    @AfterEach
    void closeStores() throws Exception {
        for (AutoCloseable store : stores) {
            store.close();
        }
    }

    @Test
    void upWithLatencyAndTheEndpointWithoutPassword() {
        for (Supplier<Health> check : checks) {
            Health health = check.get();
            assertThat(health.status()).isEqualTo(Health.Status.UP);
            assertThat(health.error()).isEmpty();
            assertThat(health.latency()).isPositive();
            assertThat(health.details()).containsEntry("endpoint", "redis://" + redis.host() + ":" + redis.port() + "/0")
                    .containsKey("store");
        }
        assertThat(checks.get(0).get().details()).containsEntry("store", "RedisSessionStore");
    }

    @Test
    void downWhenRedisStopsAndUpWhenItIsBackOnTheSamePort() {
        assumeFalse(redis.isExternal(), "needs a redis-server this test can stop");
        for (Supplier<Health> check : checks) {
            assertThat(check.get().isUp()).isTrue();
        }
        redis.stop();
        for (Supplier<Health> check : checks) {
            // twice: once while the connection notices, once while it is known down
            for (int n = 0; n < 2; n++) {
                Health health = assertTimeoutPreemptively(HANG, check::get);
                assertThat(health.status()).isEqualTo(Health.Status.DOWN);
                assertThat(health.error()).hasValueSatisfying(e -> assertThat(e).isNotBlank());
            }
        }
        redis.restart();
        for (Supplier<Health> check : checks) {
            assertThat(awaitUp(check)).isTrue();
        }
    }

    @Test
    void aStoreBuiltWhileRedisIsDownIsDownAndComesUpWithIt() {
        assumeFalse(redis.isExternal(), "needs a redis-server this test can stop");
        redis.stop();
        try (RedisSessionStore late = RedisSessionStore.builder(redis.uri()).commandTimeout(COMMAND_TIMEOUT).build()) {
            Health health = assertTimeoutPreemptively(HANG, late::health);
            assertThat(health.status()).isEqualTo(Health.Status.DOWN);
            assertThat(health.error()).hasValueSatisfying(e -> assertThat(e).contains("connect"));
            redis.restart();
            assertThat(awaitUp(late::health)).isTrue();
        }
    }

    @Test
    void aClosedStoreIsDown() throws Exception {
        RedisSessionStore closed = RedisSessionStore.builder(redis.uri()).commandTimeout(COMMAND_TIMEOUT).build();
        assertThat(closed.health().isUp()).isTrue();
        closed.close();
        assertThat(assertTimeoutPreemptively(HANG, closed::health).status()).isEqualTo(Health.Status.DOWN);
    }

    /** Polls until UP: Lettuce reconnects in the background, after a pause that grows with each try. */
    private static boolean awaitUp(Supplier<Health> check) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.get().isUp()) {
                return true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
