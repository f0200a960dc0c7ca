package dev.stateless.redis;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.testing.IdempotencyKeyStoreContract;
import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisClusterExtension;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The idempotency contract on a real three-master Redis Cluster (time passes by sleeping: leases
 * run on the clock of the node that holds the record).
 */
@ExtendWith(RedisClusterExtension.class)
class ClusterIdempotencyKeyStoreTest extends IdempotencyKeyStoreContract {

    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster(RedisCluster started) {
        cluster = started;
    }

    @BeforeEach
    void emptyCluster() {
        cluster.flushAll();
    }

    @Override
    protected IdempotencyKeyStore createStore(Duration lease, Duration retention) {
        // connected(...): opens every master connection first, see ClusterStores
        return ClusterStores.connected(cluster, RedisIdempotencyKeyStore.builder(cluster.uri())
                .lease(lease)
                .retention(retention)
                .commandTimeout(Duration.ofSeconds(2))
                .build());
    }

    @Override
    protected void plantUnreadable(String key) {
        String recordKey = "stateless:i:{" + RedisSupport.sha256(key) + "}";
        cluster.command(cluster.portOf(recordKey), "DEL", recordKey);
        cluster.command(cluster.portOf(recordKey), "SET", recordKey, "not a record");
    }

    @Override
    protected void passTime(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while passing time", e);
        }
    }
}
