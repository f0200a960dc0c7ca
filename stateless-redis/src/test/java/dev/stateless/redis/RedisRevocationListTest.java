package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.token.InMemoryRevocationList;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.VerifiedToken;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.RevocationListContract;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@WithRedis
/** The revocation list contract on a real Redis, plus what only Redis has: layout, round trips, outages. */
class RedisRevocationListTest extends RevocationListContract {

    private static RedisServer redis;
    private RedisRevocationList revoked;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void openRevokedList() {
        redis.reset();
        revoked = RedisRevocationList.builder(redis.uri()).commandTimeout(Duration.ofSeconds(1)).build();
    }

    @AfterEach
    void close() {
        revoked.close();
    }

    @Override
    protected RevocationList createList(MutableClock clock) {
        return RedisRevocationList.builder(redis.uri()).clock(clock).commandTimeout(Duration.ofSeconds(1)).build();
    }

    @Override
    protected void passTime(Duration duration) {
        sleepAndAdvance(duration); // keys expire on the server's time
    }

    static VerifiedToken token(String issuer, String jti, Instant exp) {
        return new VerifiedToken("alice", Optional.ofNullable(issuer), Optional.ofNullable(jti), Optional.ofNullable(exp),
                Set.of(), Map.of());
    }

    static VerifiedToken token(String jti, Instant exp) {
        return token("https://auth.example", jti, exp);
    }

    @Test
    void aRevokedTokenIsRevokedOnEveryInstanceUntilItExpires() {
        VerifiedToken token = token(UUID.randomUUID().toString(), Instant.now().plus(Duration.ofMinutes(15)));
        try (RevocationList otherNode = RedisRevocationList.builder(redis.uri()).build()) {
            assertThat(otherNode.isRevoked(token)).isFalse();

            revoked.revoke(token, Duration.ZERO);

            assertThat(otherNode.isRevoked(token)).isTrue();
            assertThat(revoked.isRevoked(token("another", Instant.now().plusSeconds(60)))).isFalse();
        }
    }

    @Test
    void aTokenIsNamedByItsIssuerAndId() {
        Instant exp = Instant.now().plus(Duration.ofMinutes(15));
        revoked.revoke(token("https://a.example", "jti-1", exp), Duration.ZERO);

        assertThat(revoked.isRevoked(token("https://a.example", "jti-1", exp))).isTrue();
        assertThat(revoked.isRevoked(token("https://b.example", "jti-1", exp))).as("issuer B's jti-1").isFalse();
        assertThat(revoked.isRevoked(token(null, "jti-1", exp))).as("no issuer").isFalse();
        assertThat(revoked.isRevoked(token("https://a.example", null, exp))).as("no jti").isFalse();
    }

    @Test
    void eachRevocationIsOneKeyThatExpiresWithTheToken() {
        revoked.revoke(token("jti-1", Instant.now().plus(Duration.ofMinutes(15))), Duration.ZERO);

        List<String> keys = redis.commandList("KEYS", "*");
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0)).startsWith("stateless:r:{").doesNotContain("jti-1");
        assertThat(redis.commandLong("PTTL", keys.get(0))).isPositive()
                .isLessThanOrEqualTo(Duration.ofMinutes(15).toMillis());
    }

    /** Issue 11 item 8: the verifier accepts a token until exp + skew, so the entry must last that long. */
    @Test
    void aRevocationLastsUntilTheTokensExpiryPlusTheClockSkew() {
        MutableClock clock = MutableClock.startingNow();
        try (RedisRevocationList list = RedisRevocationList.builder(redis.uri()).clock(clock).build()) {
            list.revoke(token("near-end", clock.instant().plusSeconds(1)), Duration.ofSeconds(60));

            String key = redis.commandList("KEYS", "*").get(0);
            assertThat(redis.commandLong("PTTL", key)).isGreaterThan(Duration.ofSeconds(55).toMillis())
                    .isLessThanOrEqualTo(Duration.ofSeconds(61).toMillis());
        }
    }

    @Test
    void aTokenWithoutExpiryStaysRevokedWithoutExpiry() {
        revoked.revoke(token("forever", null), Duration.ofSeconds(60));

        assertThat(redis.commandLong("PTTL", redis.commandList("KEYS", "*").get(0))).isEqualTo(-1);
    }

    @Test
    void aTokenWithoutIdIsRefused() {
        assertThatThrownBy(() -> revoked.revoke(token(null, Instant.now().plusSeconds(60)), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jti");
        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void aTokenPastItsExpiryAndSkewLeavesNothingBehind() {
        revoked.revoke(token("old", Instant.now().minusSeconds(61)), Duration.ofSeconds(60));

        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    @Test
    void aCheckIsOneRoundTrip() {
        VerifiedToken token = token("jti-2", Instant.now().plus(Duration.ofMinutes(1)));
        revoked.revoke(token, Duration.ZERO);
        redis.command("CONFIG", "RESETSTAT");

        revoked.isRevoked(token);

        assertThat(redis.calls("exists")).isEqualTo(1);
        assertThat(redis.command("INFO", "commandstats").lines()
                .filter(l -> l.startsWith("cmdstat_") && !l.startsWith("cmdstat_info:") && !l.startsWith("cmdstat_config:")))
                .as("commands other than the fixture's own").hasSize(1);
    }

    @Test
    void anUnreachableRedisIsStoreUnavailable() {
        redis.stop();
        VerifiedToken token = token("x", Instant.now().plusSeconds(60));

        assertThatThrownBy(() -> revoked.isRevoked(token)).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> revoked.revoke(token, Duration.ZERO)).isInstanceOf(StoreUnavailableException.class);
    }

    /** The in-memory list ends its entries at the same instant as the Redis keys: exp + skew. */
    @Test
    void theInMemoryListKeepsIdsUntilExpiryPlusSkewThenForgetsThem() {
        MutableClock clock = MutableClock.startingNow();
        InMemoryRevocationList memory = new InMemoryRevocationList(clock);
        VerifiedToken token = token("a", clock.instant().plusSeconds(60));
        memory.revoke(token, Duration.ofSeconds(30));

        clock.advance(Duration.ofSeconds(61));
        assertThat(memory.isRevoked(token)).as("past exp, within the skew").isTrue();
        clock.advance(Duration.ofSeconds(30));
        assertThat(memory.isRevoked(token)).isFalse();
    }
}
