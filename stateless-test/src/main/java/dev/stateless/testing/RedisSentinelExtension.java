package dev.stateless.testing;

/**
 * A JUnit 5 extension that starts a {@link RedisSentinel} (a master, a replica and a sentinel, real
 * {@code redis-server} processes) and stops it when the tests are done: on a {@code static} field
 * one set-up for the class, on an instance field one per test (for failover tests, which leave the
 * old master dead), as {@link RedisExtension} does for one server. A parameter of type {@link
 * RedisSentinel} receives the running set-up.
 */
public final class RedisSentinelExtension extends RedisFixtureExtension<RedisSentinel> {

    /** An extension whose set-up starts when JUnit first calls it. */
    public RedisSentinelExtension() {
        super(RedisSentinel.class, RedisSentinel::start);
    }

    /**
     * The running set-up.
     *
     * @return the set-up
     * @throws IllegalStateException before JUnit started it
     */
    public RedisSentinel sentinel() {
        return fixture();
    }

    /**
     * {@code redis-sentinel://127.0.0.1:PORT#mymaster} of the running set-up.
     *
     * @return the URI
     */
    public String uri() {
        return sentinel().uri();
    }
}
