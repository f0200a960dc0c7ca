package dev.stateless.redis;

import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisClusterExtension;
import dev.stateless.testing.SessionStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** The session contract on a real three-master Redis Cluster, through {@code redis-cluster://}. */
@ExtendWith(RedisClusterExtension.class)
class ClusterSessionStoreTest extends SessionStoreContract {

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
    protected SessionStore createStoreWithSessionLimit(MutableClock clock, int maxSessionsPerPrincipal) {
        // connected(...): opens every master connection first, see ClusterStores; default timeouts
        return ClusterStores.connected(cluster, builder(clock).maxSessionsPerPrincipal(maxSessionsPerPrincipal).build());
    }

    @Override
    protected void plantUnreadable(SessionId id) {
        String key = "stateless:s:{" + id.digest() + "}";
        cluster.command(cluster.portOf(key), "HSET", key, "#a", "not a number");
    }

    @Override
    protected SessionStore createStore(MutableClock clock, Duration idleTimeout, Duration absoluteTimeout,
            Duration touchInterval) {
        // connected(...): opens every master connection first, see ClusterStores
        return ClusterStores.connected(cluster, builder(clock).idleTimeout(idleTimeout).absoluteTimeout(absoluteTimeout)
                .touchInterval(touchInterval).build());
    }

    private RedisSessionStore.Builder builder(MutableClock clock) {
        return RedisSessionStore.builder(cluster.uri()).codec(testCodec()).clock(clock).commandTimeout(Duration.ofSeconds(2));
    }
}
