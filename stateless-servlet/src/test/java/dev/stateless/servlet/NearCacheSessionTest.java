package dev.stateless.servlet;

import dev.stateless.testing.RedisExtension;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The near cache through the filter on one Redis server, whose change reports are held back. */
class NearCacheSessionTest extends AbstractNearCacheSessionTest {

    @RegisterExtension
    static final RedisExtension redis = new RedisExtension();

    @Override
    String uri() {
        return redis.uri();
    }

    @Override
    List<String> commandStats() {
        return List.of(redis.server().command("INFO", "commandstats"));
    }

    @Override
    void flushAll() {
        redis.server().flushAll();
    }

    @Override
    boolean reportsChanges() {
        return true;
    }

    @Override
    boolean exists(String key) {
        return redis.server().commandLong("EXISTS", key) == 1;
    }
}
