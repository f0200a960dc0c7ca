package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.token.InMemoryRevocationList;
import dev.stateless.core.token.RevocationList;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RedisRevocationListTest {

    private static RedisServer redis;
    private RedisRevocationList revoked;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.stop();
    }

    @BeforeEach
    void open() {
        if (!redis.isRunning()) {
            redis.restart();
        }
        redis.flushAll();
        revoked = RedisRevocationList.builder(redis.uri()).commandTimeout(Duration.ofSeconds(1)).build();
    }

    @AfterEach
    void close() {
        revoked.close();
    }

    @Test
    void aRevokedIdIsRevokedOnEveryInstanceUntilTheTokenExpires() {
        String jti = UUID.randomUUID().toString();
        try (RevocationList otherNode = RedisRevocationList.builder(redis.uri()).build()) {
            assertThat(otherNode.isRevoked(jti)).isFalse();

            revoked.revoke(jti, Instant.now().plus(Duration.ofMinutes(15)));

            assertThat(otherNode.isRevoked(jti)).isTrue();
            assertThat(revoked.isRevoked("another")).isFalse();
        }
    }

    @Test
    void eachRevocationIsOneKeyThatExpiresWithTheToken() {
        revoked.revoke("jti-1", Instant.now().plus(Duration.ofMinutes(15)));

        List<String> keys = redis.commandList("KEYS", "*");
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0)).startsWith("stateless:r:{").doesNotContain("jti-1");
        assertThat(redis.commandLong("PTTL", keys.get(0))).isPositive()
                .isLessThanOrEqualTo(Duration.ofMinutes(15).toMillis());
    }

    @Test
    void anExpiredTokenLeavesNothingBehind() {
        revoked.revoke("old", Instant.now().minusSeconds(1));

        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void aCheckIsOneRoundTrip() {
        revoked.revoke("jti-2", Instant.now().plus(Duration.ofMinutes(1)));
        redis.command("CONFIG", "RESETSTAT");

        revoked.isRevoked("jti-2");

        assertThat(redis.calls("exists")).isEqualTo(1);
        assertThat(redis.command("INFO", "commandstats").lines()
                .filter(l -> l.startsWith("cmdstat_") && !l.startsWith("cmdstat_info:") && !l.startsWith("cmdstat_config:")))
                .as("commands other than the fixture's own").hasSize(1);
    }

    @Test
    void anUnreachableRedisIsStoreUnavailable() {
        redis.stop();

        assertThatThrownBy(() -> revoked.isRevoked("x")).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> revoked.revoke("x", Instant.now().plusSeconds(60)))
                .isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void theInMemoryListForgetsIdsOnceTheirTokensExpire() {
        MutableClock clock = MutableClock.startingNow();
        InMemoryRevocationList memory = new InMemoryRevocationList(clock);
        memory.revoke("a", clock.instant().plusSeconds(60));

        assertThat(memory.isRevoked("a")).isTrue();
        clock.advance(Duration.ofSeconds(61));
        assertThat(memory.isRevoked("a")).isFalse();
    }
}
