package dev.stateless.redis;

import dev.stateless.testing.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A request's writes at commit go out together, on one Redis server. */
class PipelinedCommitTest extends AbstractPipelinedCommitTest {

    @RegisterExtension
    static final RedisExtension redis = new RedisExtension();

    @Override
    String uri() {
        return redis.uri();
    }

    @Override
    void pauseWrites() {
        redis.server().command("CLIENT", "PAUSE", "10000", "WRITE");
    }

    @Override
    void unpauseWrites() {
        redis.server().command("CLIENT", "UNPAUSE");
    }
}
