package dev.stateless.servlet;

import dev.stateless.testing.RedisSentinel;
import dev.stateless.testing.RedisSentinelExtension;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The near cache through the filter on Sentinel ({@code redis-sentinel://}): the stores work on the
 * master the sentinel names, and its change reports are held back.
 */
class SentinelNearCacheSessionTest extends AbstractNearCacheSessionTest {

    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

    @Override
    String uri() {
        return sentinel.uri();
    }

    @Override
    List<String> commandStats() {
        RedisSentinel setUp = sentinel.sentinel();
        return List.of(setUp.command(setUp.masterPort(), "INFO", "commandstats"));
    }

    @Override
    void flushAll() {
        sentinel.sentinel().flushAll();
    }

    @Override
    boolean reportsChanges() {
        return true;
    }

    @Override
    boolean exists(String key) {
        RedisSentinel setUp = sentinel.sentinel();
        return setUp.commandLong(setUp.masterPort(), "EXISTS", key) == 1;
    }
}
