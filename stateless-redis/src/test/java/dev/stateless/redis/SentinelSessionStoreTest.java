package dev.stateless.redis;

import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisSentinel;
import dev.stateless.testing.RedisSentinelExtension;
import dev.stateless.testing.SessionStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The session contract through a real Sentinel ({@code redis-sentinel://host:port#mymaster}): the
 * store asks the sentinel where the master is and works on it.
 */
@ExtendWith(RedisSentinelExtension.class)
class SentinelSessionStoreTest extends SessionStoreContract {

    private static RedisSentinel sentinel;

    @BeforeAll
    static void startSentinel(RedisSentinel started) {
        sentinel = started;
    }

    @BeforeEach
    void empty() {
        sentinel.flushAll();
    }

    @Override
    protected SessionStore createStoreWithSessionLimit(MutableClock clock, int maxSessionsPerPrincipal) {
        return builder(clock).maxSessionsPerPrincipal(maxSessionsPerPrincipal).build(); // default timeouts
    }

    @Override
    protected void plantUnreadable(SessionId id) {
        sentinel.command(sentinel.masterPort(), "HSET", "stateless:s:{" + id.digest() + "}", "#a", "not a number");
    }

    @Override
    protected SessionStore createStore(MutableClock clock, Duration idleTimeout, Duration absoluteTimeout,
            Duration touchInterval) {
        return builder(clock).idleTimeout(idleTimeout).absoluteTimeout(absoluteTimeout).touchInterval(touchInterval)
                .build();
    }

    private RedisSessionStore.Builder builder(MutableClock clock) {
        return RedisSessionStore.builder(sentinel.uri()).codec(testCodec()).clock(clock).commandTimeout(Duration.ofSeconds(2));
    }
}
