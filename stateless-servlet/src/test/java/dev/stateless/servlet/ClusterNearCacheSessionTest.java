package dev.stateless.servlet;

import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisClusterExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The near cache through the filter on a three-master Cluster ({@code redis-cluster://}), where Redis
 * sends no change reports: versions keep read-your-writes, the copies' age bounds everything else.
 */
class ClusterNearCacheSessionTest extends AbstractNearCacheSessionTest {

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    @Override
    String uri() {
        return cluster.uri();
    }

    @Override
    List<String> commandStats() {
        RedisCluster masters = cluster.cluster();
        List<String> stats = new ArrayList<>();
        for (int port : masters.ports()) {
            stats.add(masters.command(port, "INFO", "commandstats"));
        }
        return stats;
    }

    @Override
    void flushAll() {
        cluster.cluster().flushAll();
    }

    @Override
    boolean reportsChanges() {
        return false;
    }

    @Override
    boolean exists(String key) {
        RedisCluster masters = cluster.cluster();
        return masters.commandLong(masters.portOf(key), "EXISTS", key) == 1;
    }
}
