package dev.stateless.redis;

import dev.stateless.testing.RedisSentinel;
import dev.stateless.testing.RedisSentinelExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A request's writes at commit go out together, on the master a sentinel names. */
class SentinelPipelinedCommitTest extends AbstractPipelinedCommitTest {

    @RegisterExtension
    static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

    @Override
    String uri() {
        return sentinel.uri();
    }

    @Override
    void pauseWrites() {
        RedisSentinel setUp = sentinel.sentinel();
        setUp.command(setUp.masterPort(), "CLIENT", "PAUSE", "10000", "WRITE");
    }

    @Override
    void unpauseWrites() {
        RedisSentinel setUp = sentinel.sentinel();
        setUp.command(setUp.masterPort(), "CLIENT", "UNPAUSE");
    }
}
