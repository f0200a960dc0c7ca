package dev.stateless.redis;

import static dev.stateless.testing.Tokens.withId;

import static dev.stateless.redis.ClusterStores.connected;
import static dev.stateless.redis.ClusterStores.revocationKey;
import static dev.stateless.redis.ClusterStores.tokenIdOn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.token.RevocationList;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisClusterExtension;
import dev.stateless.testing.RevocationListContract;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Redis revocation list on a real three-master Redis Cluster. */
@ExtendWith(RedisClusterExtension.class)
class ClusterRevocationListTest extends RevocationListContract {

    private static RedisCluster cluster;
    private RedisRevocationList revoked;

    @BeforeAll
    static void startCluster(RedisCluster started) {
        cluster = started;
    }

    @BeforeEach
    void openRevokedList() {
        cluster.flushAll();
        revoked = connected(cluster, RedisRevocationList.builder(cluster.uri()).commandTimeout(Duration.ofSeconds(2)).build());
    }

    @AfterEach
    void close() {
        revoked.close();
    }

    @Override
    protected RevocationList createList(MutableClock clock) {
        return connected(cluster, RedisRevocationList.builder(cluster.uri()).clock(clock)
                .commandTimeout(Duration.ofSeconds(2)).build());
    }

    @Override
    protected void passTime(Duration duration) {
        sleepAndAdvance(duration); // keys expire on the server's time
    }

    @Test
    void aRevokedIdIsRevokedOnEveryInstanceWhicheverMasterHoldsIt() {
        try (RevocationList otherNode = connected(cluster, RedisRevocationList.builder(cluster.uri()).build())) {
            for (int port : cluster.ports()) {
                String jti = tokenIdOn(cluster, port);
                assertThat(otherNode.isRevoked(withId(jti, null))).isFalse();

                revoked.revoke(withId(jti, Instant.now().plus(Duration.ofMinutes(15))), Duration.ZERO);

                assertThat(otherNode.isRevoked(withId(jti, null))).as("revoked on the master on %d", port).isTrue();
            }
            assertThat(otherNode.isRevoked(withId(UUID.randomUUID().toString(), null))).isFalse();
        }
    }

    @Test
    void eachRevocationIsOneHashTaggedKeyOnTheMasterOfItsSlotExpiringWithTheToken() {
        for (int port : cluster.ports()) {
            String jti = tokenIdOn(cluster, port);

            revoked.revoke(withId(jti, Instant.now().plus(Duration.ofMinutes(15))), Duration.ZERO);

            String key = revocationKey(jti);
            assertThat(cluster.commandList(port, "KEYS", "*")).containsExactly(key);
            assertThat(key).doesNotContain(jti);
            assertThat(cluster.slotOf(key)).isEqualTo(cluster.slotOf(key.substring(key.indexOf('{') + 1, key.indexOf('}'))));
            assertThat(cluster.commandLong(port, "PTTL", key)).isPositive()
                    .isLessThanOrEqualTo(Duration.ofMinutes(15).toMillis());
            cluster.flushAll();
        }
    }

    @Test
    void anExpiredTokenLeavesNothingOnAnyMaster() {
        for (int port : cluster.ports()) {
            revoked.revoke(withId(tokenIdOn(cluster, port), Instant.now().minusSeconds(1)), Duration.ZERO);
        }

        assertThat(cluster.dbSizes().values()).containsOnly(0L);
    }

    @Test
    void aCheckIsOneExistsOnTheOwningMasterAndNothingElsewhere() {
        int owner = cluster.ports().get(1);
        String jti = tokenIdOn(cluster, owner);
        revoked.revoke(withId(jti, Instant.now().plus(Duration.ofMinutes(1))), Duration.ZERO);
        for (int port : cluster.ports()) {
            cluster.command(port, "CONFIG", "RESETSTAT");
        }

        assertThat(revoked.isRevoked(withId(jti, null))).isTrue();

        for (int port : cluster.ports()) {
            String stats = cluster.command(port, "INFO", "commandstats");
            if (port == owner) {
                assertThat(stats).contains("cmdstat_exists:calls=1,");
            } else {
                assertThat(stats).doesNotContain("cmdstat_exists");
            }
        }
    }
}
