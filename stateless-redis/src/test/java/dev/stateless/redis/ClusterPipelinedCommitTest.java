package dev.stateless.redis;

import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request's writes at commit go out together on a three-master Cluster: each to the master of its
 * key, both sent before either answer is awaited.
 */
class ClusterPipelinedCommitTest extends AbstractPipelinedCommitTest {

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    @Override
    String uri() {
        return cluster.uri();
    }

    @Override
    void pauseWrites() {
        RedisCluster masters = cluster.cluster();
        for (int port : masters.ports()) {
            masters.command(port, "CLIENT", "PAUSE", "10000", "WRITE");
        }
    }

    @Override
    void unpauseWrites() {
        RedisCluster masters = cluster.cluster();
        for (int port : masters.ports()) {
            masters.command(port, "CLIENT", "UNPAUSE");
        }
    }

    @Override
    RedisSessionStore connected(RedisSessionStore sessions) {
        return ClusterStores.connected(cluster.cluster(), sessions);
    }

    @Override
    RedisIdempotencyKeyStore connected(RedisIdempotencyKeyStore records) {
        return ClusterStores.connected(cluster.cluster(), records);
    }
}
